/**
 * Endpoint leases on PostgreSQL. Several processes share the endpoints: one is claimed with
 * `FOR UPDATE SKIP LOCKED` under a lease, and every write that ends a claim names the lease's holder.
 */
import type { AttemptRecord, Endpoint } from '../../domain/delivery.js';
import { notPausedSql } from '../pause-sql.js';
import { toEndpoint, optionalNumber, type Row } from '../rows.js';
import { endpointKey } from './deliveries.js';
import { notifyDue } from './due.js';
import { insertJournal } from './journal.js';
import { transaction, type Postgres, type Queryable } from './pool.js';
import { queueStatus } from './status.js';

/** The endpoint ($1-$3) while $4 holds its lease: every write that ends a claim names its holder. */
const HELD = 'recipient_id = $1 AND channel = $2 AND role = $3 AND lease_owner = $4';
const keyOf = (e: Endpoint): string[] => [e.recipientId, e.channel, e.role, e.owner];

// Due at the earliest pending copy, not before $5; null when nothing is pending.
const NEXT_DUE = `(SELECT CASE WHEN min(next_attempt_at) IS NULL THEN NULL ELSE GREATEST(min(next_attempt_at), coalesce($5::bigint, 0)) END
    FROM deliveries WHERE state = 'pending' AND recipient_id = $1 AND channel = $2 AND role = $3)`;

export async function earliestDue(c: Postgres): Promise<number | null> {
  const r = await c.pool.query(
    // A paused endpoint (pause-sql.ts) is neither due nor claimed: its copies wait, pending, for the resume.
    `SELECT min(GREATEST(next_due_at, coalesce(lease_until, 0))) AS due FROM endpoints
       WHERE next_due_at IS NOT NULL AND ${notPausedSql('endpoints')}`,
  );
  return optionalNumber((r.rows[0] as Row).due);
}

export async function earliestDueByChannel(c: Postgres): Promise<{ channel: string; due: number }[]> {
  const r = await c.pool.query(
    `SELECT channel, min(GREATEST(next_due_at, coalesce(lease_until, 0))) AS due FROM endpoints
       WHERE next_due_at IS NOT NULL AND ${notPausedSql('endpoints')} GROUP BY channel ORDER BY channel`,
  );
  return (r.rows as Row[]).map((row) => ({ channel: row.channel as string, due: Number(row.due) }));
}

export async function claimDueEndpoints(
  c: Postgres,
  now: number,
  limit: number,
  owner: string,
  leaseMs: number,
): Promise<Endpoint[]> {
  // SKIP LOCKED: endpoints another process is claiming right now are simply not ours this time.
  const rows = (
    await c.pool.query(
      `UPDATE endpoints e SET lease_owner = $3, lease_until = $4
         FROM (SELECT recipient_id, channel, role, next_due_at FROM endpoints
               WHERE next_due_at IS NOT NULL AND next_due_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
                 AND ${notPausedSql('endpoints')}
               ORDER BY next_due_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
         WHERE e.recipient_id = due.recipient_id AND e.channel = due.channel AND e.role = due.role
         RETURNING e.recipient_id, e.channel, e.role, e.breaker, due.next_due_at`,
      [now, limit, owner, now + leaseMs],
    )
  ).rows as Row[];
  return rows.sort((a, b) => Number(a.next_due_at) - Number(b.next_due_at)).map((r) => toEndpoint(r, owner));
}

export async function recordAttempt(c: Postgres, r: AttemptRecord): Promise<boolean> {
  return transaction(c.pool, async (t) => {
    // The row lock keeps the lease ours until commit: a claim skips a locked endpoint.
    const held = await t.query(`SELECT 1 FROM endpoints WHERE ${HELD} FOR UPDATE`, keyOf(r.endpoint));
    if (!held.rowCount) return false;
    await updateCopies(t, r);
    await insertJournal(t, r.journal);
    await queueStatus(t, r.statusMessages, r.at);
    if (r.statusMessages.length > 0) await notifyDue(t);
    await t.query(
      `UPDATE endpoints SET breaker = $6, next_due_at = ${NEXT_DUE}, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`,
      [...keyOf(r.endpoint), r.notBefore, JSON.stringify(r.breaker)],
    );
    return true;
  });
}

/** An attempt's copies: those delivered in bulk, every other with its own new state. */
async function updateCopies(t: Queryable, r: AttemptRecord): Promise<void> {
  if (r.delivered.ids.length > 0) {
    await t.query(
      `UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, next_attempt_at = $1, last_attempt_at = $1, last_status = $2, last_error = NULL
             WHERE id = ANY($3::bigint[])`,
      [r.at, r.delivered.status, r.delivered.ids],
    );
  }
  if (r.updates.length === 0) return;
  const u = r.updates;
  await t.query(
    `UPDATE deliveries d SET state = t.state, attempts = t.attempts, first_failure_at = t.first_failure_at, next_attempt_at = t.next_attempt_at,
               last_attempt_at = $8, last_status = t.last_status, last_error = t.last_error
             FROM unnest($1::bigint[], $2::text[], $3::int[], $4::bigint[], $5::bigint[], $6::int[], $7::text[])
               AS t(id, state, attempts, first_failure_at, next_attempt_at, last_status, last_error)
             WHERE d.id = t.id`,
    [
      u.map((x) => x.id),
      u.map((x) => x.state),
      u.map((x) => x.attempts),
      u.map((x) => x.firstFailureAt),
      u.map((x) => x.nextAttemptAt),
      u.map((x) => x.lastStatus),
      u.map((x) => x.lastError),
      r.at,
    ],
  );
}

export async function releaseEndpoint(
  c: Postgres,
  endpoint: Endpoint,
  notBefore: number | null,
  parked = false,
): Promise<boolean> {
  const r = parked
    ? await c.pool.query(
        `UPDATE endpoints SET next_due_at = NULL, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`,
        keyOf(endpoint),
      )
    : await c.pool.query(
        `UPDATE endpoints SET next_due_at = ${NEXT_DUE}, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`,
        [...keyOf(endpoint), notBefore],
      );
  return (r.rowCount ?? 0) > 0;
}

export async function renewLeases(
  c: Postgres,
  endpoints: Endpoint[],
  owner: string,
  until: number,
): Promise<Endpoint[]> {
  if (endpoints.length === 0) return [];
  const renewed = (
    await c.pool.query(
      `UPDATE endpoints e SET lease_until = $5 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(r, c, o)
         WHERE e.recipient_id = t.r AND e.channel = t.c AND e.role = t.o AND e.lease_owner = $4
         RETURNING e.recipient_id, e.channel, e.role`,
      [
        endpoints.map((e) => e.recipientId),
        endpoints.map((e) => e.channel),
        endpoints.map((e) => e.role),
        owner,
        until,
      ],
    )
  ).rows as Row[];
  const kept = new Set(
    renewed.map((r) => endpointKey(r.recipient_id as string, r.channel as string, r.role as string)),
  );
  return endpoints.filter((e) => kept.has(endpointKey(e.recipientId, e.channel, e.role)));
}

export async function leaseHolders(c: Postgres): Promise<string[]> {
  const r = await c.pool.query('SELECT DISTINCT lease_owner FROM endpoints WHERE lease_owner IS NOT NULL');
  return (r.rows as Row[]).map((row) => row.lease_owner as string);
}

export async function releaseLeasesOf(c: Postgres, holders: string[]): Promise<number> {
  if (holders.length === 0) return 0;
  const r = await c.pool.query(
    'UPDATE endpoints SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ANY($1::text[])',
    [holders],
  );
  if (r.rowCount) await notifyDue(c.pool);
  return r.rowCount ?? 0;
}
