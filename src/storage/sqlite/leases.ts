/**
 * Endpoint leases on SQLite: due endpoints claimed under a lease, a claim ended by an attempt or a release,
 * leases renewed by their holder and taken back from dead ones.
 */
import type { AttemptRecord, Endpoint } from '../../domain/delivery.js';
import { notPausedSql } from '../pause-sql.js';
import { toEndpoint, type Row } from '../rows.js';
import { immediate, statement, type Sqlite } from './context.js';
import { writeJournal } from './journal.js';
import { queueStatus } from './status.js';

// Due at the earliest pending copy, not before @notBefore; null when nothing is pending.
const NEXT_DUE = `(SELECT CASE WHEN min(next_attempt_at) IS NULL THEN NULL ELSE max(min(next_attempt_at), coalesce(@notBefore, 0)) END
      FROM deliveries WHERE state = 'pending' AND recipient_id = @recipient AND channel = @channel AND role = @role)`;
// Every write that ends a claim names its holder: a lease lost to another holder is not ended by the old one.
const HELD = 'recipient_id = @recipient AND channel = @channel AND role = @role AND lease_owner = @owner';
const keyOf = (e: Endpoint) => ({ recipient: e.recipientId, channel: e.channel, role: e.role, owner: e.owner });

// A paused endpoint (pause-sql.ts) is neither due nor claimed: its copies wait, pending, for the resume.
const earliest = statement(
  `SELECT min(max(next_due_at, coalesce(lease_until, 0))) FROM endpoints
     WHERE next_due_at IS NOT NULL AND ${notPausedSql('endpoints')}`,
  'pluck',
);
const earliestByChannel = statement(
  `SELECT channel, min(max(next_due_at, coalesce(lease_until, 0))) AS due FROM endpoints
     WHERE next_due_at IS NOT NULL AND ${notPausedSql('endpoints')} GROUP BY channel ORDER BY channel`,
);
const due = statement(
  `SELECT recipient_id, channel, role, breaker FROM endpoints
       WHERE next_due_at IS NOT NULL AND next_due_at <= ? AND (lease_until IS NULL OR lease_until < ?)
         AND ${notPausedSql('endpoints')}
       ORDER BY next_due_at LIMIT ?`,
);
const lease = statement(
  'UPDATE endpoints SET lease_owner = ?, lease_until = ? WHERE recipient_id = ? AND channel = ? AND role = ?',
);
const holds = statement(`SELECT 1 FROM endpoints WHERE ${HELD}`, 'pluck');
const deliveredBulk = statement(
  `UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, next_attempt_at = @at, last_attempt_at = @at, last_status = @status,
       last_error = NULL WHERE id IN (SELECT value FROM json_each(@ids))`,
);
const updateDelivery = statement(
  `UPDATE deliveries SET state = ?, attempts = ?, first_failure_at = ?, next_attempt_at = ?, last_attempt_at = ?, last_status = ?, last_error = ?
     WHERE id = ?`,
);
const setEndpoint = statement(
  `UPDATE endpoints SET breaker = @breaker, next_due_at = ${NEXT_DUE}, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`,
);
const release = statement(
  `UPDATE endpoints SET next_due_at = ${NEXT_DUE}, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`,
);
const park = statement(`UPDATE endpoints SET next_due_at = NULL, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`);
const renew = statement(`UPDATE endpoints SET lease_until = @until WHERE ${HELD}`);
const holders = statement('SELECT DISTINCT lease_owner FROM endpoints WHERE lease_owner IS NOT NULL', 'pluck');
const releaseHeldBy = statement(
  'UPDATE endpoints SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IN (SELECT value FROM json_each(?))',
);

export async function earliestDue(c: Sqlite): Promise<number | null> {
  const v = earliest(c).get() as number | null;
  return v === null ? null : Number(v);
}

export async function earliestDueByChannel(c: Sqlite): Promise<{ channel: string; due: number }[]> {
  return (earliestByChannel(c).all() as { channel: string; due: number }[]).map((r) => ({
    channel: r.channel,
    due: Number(r.due),
  }));
}

export async function claimDueEndpoints(
  c: Sqlite,
  now: number,
  limit: number,
  owner: string,
  leaseMs: number,
): Promise<Endpoint[]> {
  return immediate(c, () =>
    (due(c).all(now, now, limit) as Row[]).map((r) => {
      lease(c).run(owner, now + leaseMs, r.recipient_id, r.channel, r.role);
      return toEndpoint(r, owner);
    }),
  );
}

export async function recordAttempt(c: Sqlite, r: AttemptRecord): Promise<boolean> {
  return immediate(c, () => {
    if (holds(c).get(keyOf(r.endpoint)) === undefined) return false;
    if (r.delivered.ids.length > 0)
      deliveredBulk(c).run({ at: r.at, status: r.delivered.status, ids: JSON.stringify(r.delivered.ids) });
    for (const u of r.updates) {
      updateDelivery(c).run(
        u.state,
        u.attempts,
        u.firstFailureAt,
        u.nextAttemptAt,
        r.at,
        u.lastStatus,
        u.lastError,
        u.id,
      );
    }
    writeJournal(c, r.journal);
    queueStatus(c, r.statusMessages, r.at);
    setEndpoint(c).run({ ...keyOf(r.endpoint), notBefore: r.notBefore, breaker: JSON.stringify(r.breaker) });
    return true;
  });
}

export async function releaseEndpoint(
  c: Sqlite,
  endpoint: Endpoint,
  notBefore: number | null,
  parked = false,
): Promise<boolean> {
  return (parked ? park(c).run(keyOf(endpoint)) : release(c).run({ ...keyOf(endpoint), notBefore })).changes > 0;
}

export async function renewLeases(c: Sqlite, endpoints: Endpoint[], owner: string, until: number): Promise<Endpoint[]> {
  return immediate(c, () => endpoints.filter((e) => renew(c).run({ ...keyOf(e), owner, until }).changes > 0));
}

export async function leaseHolders(c: Sqlite): Promise<string[]> {
  return holders(c).all() as string[];
}

export async function releaseLeasesOf(c: Sqlite, owners: string[]): Promise<number> {
  if (owners.length === 0) return 0;
  return releaseHeldBy(c).run(JSON.stringify(owners)).changes;
}
