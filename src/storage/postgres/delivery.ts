/**
 * The PostgreSQL side of routing and delivery: the MPAN registry, webhooks, copies, status messages and
 * endpoints. Several processes share these tables: endpoints are claimed with `FOR UPDATE SKIP LOCKED`
 * under a lease, and every change that makes work due sends NOTIFY so that idle workers look at once.
 */
import type { Breaker } from '../../domain/breaker.js';
import type pg from 'pg';
import type { Service } from '../../domain/appointments.js';
import { sequenceOfTransactionId } from '../../domain/ids.js';
import type { StandardResponseItem } from '../../domain/responses.js';
import { STATUS_CHANNEL, type DeliveryState, type Endpoint, type PendingDelivery } from '../../domain/delivery.js';
import {
  type ArchivedMessage,
  type JournalEntry,
  type NewDelivery,
  type NewStatusMessage,
} from '../../domain/archive.js';
import { type DeliveryStore, type MpanStore, type WebhookStore } from '../ports.js';
import { type MpanChange } from '../../domain/appointments.js';
import { recipientChannels, toMessage, toWebhook, type Row } from '../rows.js';
import { transaction, type Queryable } from './pool.js';

/** The channel every process LISTENs on for "work is due". */
export const DUE_CHANNEL = 'opendip_due';

export interface PgDeliveryParts extends MpanStore, WebhookStore, DeliveryStore {
  /** Inside an ingest transaction: what routing produced for the accepted messages. */
  writeRouting(
    client: Queryable,
    deliveries: NewDelivery[],
    statusMessages: NewStatusMessage[],
    changes: MpanChange[],
    now: number,
  ): Promise<void>;
}

const time = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Makes endpoints due (creating them on first use), in key order so concurrent writers never deadlock. */
async function touchEndpoints(c: Queryable, keys: Iterable<string>, now: number): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  const parts = sorted.map((k) => k.split('\u0000'));
  await c.query(
    `INSERT INTO endpoints (recipient_id, channel, role, next_due_at)
     SELECT r, c, o, $4::bigint FROM unnest($1::text[], $2::text[], $3::text[]) AS t(r, c, o)
     ON CONFLICT (recipient_id, channel, role) DO UPDATE SET next_due_at = LEAST(coalesce(endpoints.next_due_at, excluded.next_due_at), excluded.next_due_at)`,
    [parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => p[2]), now],
  );
}

const key = (recipient: string, channel: string, role: string): string => `${recipient}\u0000${channel}\u0000${role}`;

async function queueStatus(c: Queryable, messages: NewStatusMessage[], now: number): Promise<void> {
  if (messages.length === 0) return;
  // Ids first, so each status message's copy names it whatever order the insert takes.
  const ids = (
    await c.query<{ id: number }>(`SELECT nextval('status_messages_id_seq') AS id FROM generate_series(1, $1::int)`, [
      messages.length,
    ])
  ).rows.map((r) => r.id);
  await c.query(
    `INSERT INTO status_messages (id, recipient_id, role, message_seq, item, created_at)
     SELECT * , $6::bigint FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[])`,
    [
      ids,
      messages.map((m) => m.recipientId),
      messages.map((m) => m.role),
      messages.map((m) => m.messageSeq),
      messages.map((m) => JSON.stringify(m.item)),
      now,
    ],
  );
  await c.query(
    `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at)
     SELECT 'status', i, r, o, '${STATUS_CHANNEL}', 'pending', $4::bigint, $4::bigint FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(i, r, o)`,
    [ids, messages.map((m) => m.recipientId), messages.map((m) => m.role), now],
  );
  await touchEndpoints(
    c,
    messages.map((m) => key(m.recipientId, STATUS_CHANNEL, m.role)),
    now,
  );
}

/** Who serves at a moment, as SQL: the latest appointment in force then (MpanView.serving). */
const SERVING_AT = (mpan: string, service: string, at: string): string =>
  `(SELECT s.participant_id FROM mpan_services s WHERE s.mpan = ${mpan} AND s.service = ${service} AND s.effective_from <= ${at}
     AND (s.effective_to IS NULL OR s.effective_to > ${at}) ORDER BY s.effective_from DESC, s.participant_id DESC LIMIT 1)`;

async function applyChange(c: Queryable, ch: MpanChange): Promise<number> {
  if (ch.action === 'end') {
    return (
      (
        await c.query(
          `UPDATE mpan_services SET effective_to = $1 WHERE mpan = $2 AND service = $3 AND participant_id = $4 AND effective_to IS NULL AND effective_from < $1`,
          [ch.at, ch.mpan, ch.service, ch.participantId],
        )
      ).rowCount ?? 0
    );
  }
  // Re-appointing whoever serves at that moment changes nothing (every REGS message re-states its REGS and LDSO).
  const serving = await c.query<{ participant_id: string }>(
    `SELECT ${SERVING_AT('$1', '$2', '$3')} AS participant_id`,
    [ch.mpan, ch.service, ch.at],
  );
  if (serving.rows[0]?.participant_id === ch.participantId) return 0;
  await c.query(
    `UPDATE mpan_services SET effective_to = $1 WHERE mpan = $2 AND service = $3 AND effective_to IS NULL AND effective_from < $1`,
    [ch.at, ch.mpan, ch.service],
  );
  return (
    (
      await c.query(
        `INSERT INTO mpan_services (mpan, service, participant_id, effective_from, effective_to, source_seq) VALUES ($1, $2, $3, $4, NULL, $5) ON CONFLICT DO NOTHING`,
        [ch.mpan, ch.service, ch.participantId, ch.at, ch.sourceSeq],
      )
    ).rowCount ?? 0
  );
}

/**
 * Appointments of distinct (MPAN, service) pairs, applied as one statement with the same rules as
 * applyChange: the bulk import's path. Returns how many were new.
 */
async function appointAll(c: Queryable, changes: MpanChange[]): Promise<number> {
  const r = await c.query<{ n: number }>(
    `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS i(mpan, service, pid, at, src)),
     fresh AS (SELECT i.* FROM input i WHERE coalesce(${SERVING_AT('i.mpan', 'i.service', 'i.at')}, '') <> i.pid),
     closed AS (UPDATE mpan_services s SET effective_to = f.at FROM fresh f
       WHERE s.mpan = f.mpan AND s.service = f.service AND s.effective_to IS NULL AND s.effective_from < f.at RETURNING 1),
     added AS (INSERT INTO mpan_services (mpan, service, participant_id, effective_from, effective_to, source_seq)
       SELECT mpan, service, pid, at, NULL, src FROM fresh ON CONFLICT DO NOTHING RETURNING 1)
     SELECT (SELECT count(*) FROM added)::int AS n, (SELECT count(*) FROM closed)::int AS closed`,
    [
      changes.map((x) => x.mpan),
      changes.map((x) => x.service),
      changes.map((x) => x.participantId),
      changes.map((x) => x.at),
      changes.map((x) => x.sourceSeq),
    ],
  );
  return r.rows[0]!.n;
}

/** Registry locks are taken on this many buckets of (MPAN, service): enough to spread, few enough for any batch. */
const REGISTRY_LOCK_BUCKETS = 256;
const REGISTRY_LOCK_SPACE = 0x0d1b_0003;

/**
 * Applies changes in order; runs of appointments to distinct (MPAN, service) pairs go in one statement.
 * The (MPAN, service) pairs are locked first, by bucket and in one order, so that processes changing the
 * same MPAN at once take turns (never two open appointments) and never deadlock; a bulk import of
 * thousands of MPANs takes at most REGISTRY_LOCK_BUCKETS locks.
 */
async function applyChanges(c: Queryable, changes: MpanChange[]): Promise<number> {
  await c.query(
    `SELECT pg_advisory_xact_lock(${REGISTRY_LOCK_SPACE}, b)
     FROM (SELECT DISTINCT abs(hashtext(k) % ${REGISTRY_LOCK_BUCKETS}) AS b FROM unnest($1::text[]) AS k) buckets ORDER BY b`,
    [[...new Set(changes.map((ch) => `${ch.mpan}|${ch.service}`))]],
  );
  let applied = 0;
  let run: MpanChange[] = [];
  const seen = new Set<string>();
  const flush = async (): Promise<void> => {
    if (run.length > 1) applied += await appointAll(c, run);
    else if (run.length === 1) applied += (await applyChange(c, run[0]!)) > 0 ? 1 : 0;
    run = [];
    seen.clear();
  };
  for (const ch of changes) {
    const k = `${ch.mpan}|${ch.service}`;
    if (ch.action !== 'appoint') {
      await flush();
      applied += (await applyChange(c, ch)) > 0 ? 1 : 0;
      continue;
    }
    if (seen.has(k)) await flush();
    seen.add(k);
    run.push(ch);
  }
  await flush();
  return applied;
}

/** The endpoint ($1-$3) while $4 holds its lease: every write that ends a claim names its holder. */
const HELD = 'recipient_id = $1 AND channel = $2 AND role = $3 AND lease_owner = $4';
const keyOf = (e: Endpoint): string[] => [e.recipientId, e.channel, e.role, e.owner];

// Due at the earliest pending copy, not before $5; null when nothing is pending.
const NEXT_DUE = `(SELECT CASE WHEN min(next_attempt_at) IS NULL THEN NULL ELSE GREATEST(min(next_attempt_at), coalesce($5::bigint, 0)) END
    FROM deliveries WHERE state = 'pending' AND recipient_id = $1 AND channel = $2 AND role = $3)`;

export function pgDeliveryParts(
  pool: pg.Pool,
  writeJournal: (c: Queryable, entries: JournalEntry[]) => Promise<void>,
): PgDeliveryParts {
  const q = (sql: string, params: unknown[] = []) => pool.query(sql, params);

  return {
    async writeRouting(c, deliveries, statusMessages, changes, now) {
      if (deliveries.length > 0) {
        await c.query(
          `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at, publication_id)
           SELECT 'message', s, r, o, ch, 'pending', $6::bigint, $6::bigint, p FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(s, r, o, ch, p)`,
          [
            deliveries.map((d) => d.messageSeq),
            deliveries.map((d) => d.recipientId),
            deliveries.map((d) => d.role),
            deliveries.map((d) => d.channel),
            deliveries.map((d) => d.publicationId),
            now,
          ],
        );
        await touchEndpoints(
          c,
          deliveries.map((d) => key(d.recipientId, d.channel, d.role)),
          now,
        );
      }
      await queueStatus(c, statusMessages, now);
      if (changes.length > 0) await applyChanges(c, changes);
      if (deliveries.length > 0 || statusMessages.length > 0) await c.query(`SELECT pg_notify('${DUE_CHANNEL}', '')`);
    },
    async appointments(mpans) {
      const rows = (
        await q(
          'SELECT mpan, service, participant_id, effective_from, effective_to FROM mpan_services WHERE mpan = ANY($1::text[])',
          [[...new Set(mpans)]],
        )
      ).rows as Row[];
      return rows.map((r) => ({
        mpan: r.mpan as string,
        service: r.service as Service,
        participantId: r.participant_id as string,
        from: Number(r.effective_from),
        to: time(r.effective_to),
      }));
    },
    async applyMpanChanges(changes) {
      return transaction(pool, (c) => applyChanges(c, changes));
    },
    async webhooks(recipientId, channel) {
      return (
        (
          await q('SELECT * FROM webhooks WHERE recipient_id = $1 AND channel = $2 ORDER BY role', [
            recipientId,
            channel,
          ])
        ).rows as Row[]
      ).map(toWebhook);
    },
    async saveWebhooks(configs, now) {
      await transaction(pool, async (t) => {
        for (const c of configs) {
          await t.query(
            `INSERT INTO webhooks (recipient_id, channel, role, callback_url, max_message_count, max_payload_kb, configured_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (recipient_id, channel, role) DO UPDATE SET callback_url = excluded.callback_url, max_message_count = excluded.max_message_count,
               max_payload_kb = excluded.max_payload_kb, configured_by = excluded.configured_by, updated_at = excluded.updated_at`,
            [c.recipientId, c.channel, c.role, c.callbackUrl, c.maxMessageCount, c.maxPayloadKb, c.configuredBy, now],
          );
        }
        let woken = 0;
        // Copies that waited for a webhook are due now (an endpoint the new webhook does not serve parks again).
        for (const c of recipientChannels(configs)) {
          woken +=
            (
              await t.query(
                `UPDATE endpoints SET next_due_at = $1 WHERE recipient_id = $2 AND channel = $3
               AND EXISTS (SELECT 1 FROM deliveries WHERE state = 'pending' AND recipient_id = $2 AND channel = $3)`,
                [now, c.recipientId, c.channel],
              )
            ).rowCount ?? 0;
        }
        if (woken > 0) await t.query(`SELECT pg_notify('${DUE_CHANNEL}', '')`);
      });
    },
    async deleteWebhooks(recipientId, channel, roles) {
      return (
        (
          await q('DELETE FROM webhooks WHERE recipient_id = $1 AND channel = $2 AND role = ANY($3::text[])', [
            recipientId,
            channel,
            roles,
          ])
        ).rowCount ?? 0
      );
    },
    async earliestDue() {
      const r = await q(
        'SELECT min(GREATEST(next_due_at, coalesce(lease_until, 0))) AS due FROM endpoints WHERE next_due_at IS NOT NULL',
      );
      return time((r.rows[0] as Row).due);
    },
    async claimDueEndpoints(now, limit, owner, leaseMs) {
      // SKIP LOCKED: endpoints another process is claiming right now are simply not ours this time.
      const rows = (
        await q(
          `UPDATE endpoints e SET lease_owner = $3, lease_until = $4
         FROM (SELECT recipient_id, channel, role, next_due_at FROM endpoints
               WHERE next_due_at IS NOT NULL AND next_due_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
               ORDER BY next_due_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
         WHERE e.recipient_id = due.recipient_id AND e.channel = due.channel AND e.role = due.role
         RETURNING e.recipient_id, e.channel, e.role, e.breaker, due.next_due_at`,
          [now, limit, owner, now + leaseMs],
        )
      ).rows as Row[];
      return rows
        .sort((a, b) => Number(a.next_due_at) - Number(b.next_due_at))
        .map((r) => ({
          recipientId: r.recipient_id as string,
          channel: r.channel as string,
          role: r.role as string,
          breaker: JSON.parse(r.breaker as string) as Breaker,
          owner,
        }));
    },
    async pendingDeliveries(endpoint, now, limit) {
      const args = [endpoint.recipientId, endpoint.channel, endpoint.role, now, limit];
      const { recipientId } = endpoint;
      const role = endpoint.role || null;
      if (endpoint.channel === STATUS_CHANNEL) {
        const rows = (
          await q(
            `SELECT d.id, d.attempts, d.first_failure_at, d.created_at, s.item, d.requeue_id FROM deliveries d JOIN status_messages s ON s.id = d.item_seq
           WHERE d.state = 'pending' AND d.recipient_id = $1 AND d.channel = $2 AND d.role = $3 AND d.next_attempt_at <= $4
           ORDER BY d.next_attempt_at, d.id LIMIT $5`,
            args,
          )
        ).rows as Row[];
        return rows.map((r): PendingDelivery => ({
          id: Number(r.id),
          kind: 'status',
          recipientId,
          role,
          attempts: Number(r.attempts),
          firstFailureAt: time(r.first_failure_at),
          createdAt: Number(r.created_at),
          messageSeq: null,
          publicationId: null,
          statusItem: JSON.parse(r.item as string) as StandardResponseItem,
          requeueId: (r.requeue_id as string | null) ?? null,
        }));
      }
      const rows = (
        await q(
          `SELECT id, item_seq, attempts, first_failure_at, created_at, publication_id, requeue_id FROM deliveries
         WHERE state = 'pending' AND recipient_id = $1 AND channel = $2 AND role = $3 AND next_attempt_at <= $4
         ORDER BY next_attempt_at, id LIMIT $5`,
          args,
        )
      ).rows as Row[];
      return rows.map((r): PendingDelivery => ({
        id: Number(r.id),
        kind: 'message',
        recipientId,
        role,
        attempts: Number(r.attempts),
        firstFailureAt: time(r.first_failure_at),
        createdAt: Number(r.created_at),
        messageSeq: Number(r.item_seq),
        publicationId: (r.publication_id as string | null) ?? null,
        statusItem: null,
        requeueId: (r.requeue_id as string | null) ?? null,
      }));
    },
    async messagesBySeq(seqs) {
      const out = new Map<number, ArchivedMessage>();
      for (let i = 0; i < seqs.length; i += 1000) {
        for (const r of (await q('SELECT * FROM messages WHERE seq = ANY($1::bigint[])', [seqs.slice(i, i + 1000)]))
          .rows as Row[]) {
          out.set(Number(r.seq), toMessage(r));
        }
      }
      return out;
    },
    async recordAttempt(r) {
      return transaction(pool, async (c) => {
        // The row lock keeps the lease ours until commit: a claim skips a locked endpoint.
        const held = await c.query(`SELECT 1 FROM endpoints WHERE ${HELD} FOR UPDATE`, keyOf(r.endpoint));
        if (!held.rowCount) return false;
        if (r.delivered.ids.length > 0) {
          await c.query(
            `UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, next_attempt_at = $1, last_attempt_at = $1, last_status = $2, last_error = NULL
             WHERE id = ANY($3::bigint[])`,
            [r.at, r.delivered.status, r.delivered.ids],
          );
        }
        if (r.updates.length > 0) {
          const u = r.updates;
          await c.query(
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
        await writeJournal(c, r.journal);
        await queueStatus(c, r.statusMessages, r.at);
        if (r.statusMessages.length > 0) await c.query(`SELECT pg_notify('${DUE_CHANNEL}', '')`);
        await c.query(
          `UPDATE endpoints SET breaker = $6, next_due_at = ${NEXT_DUE}, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`,
          [...keyOf(r.endpoint), r.notBefore, JSON.stringify(r.breaker)],
        );
        return true;
      });
    },
    async releaseEndpoint(endpoint: Endpoint, notBefore, parked = false) {
      const r = parked
        ? await q(
            `UPDATE endpoints SET next_due_at = NULL, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`,
            keyOf(endpoint),
          )
        : await q(
            `UPDATE endpoints SET next_due_at = ${NEXT_DUE}, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`,
            [...keyOf(endpoint), notBefore],
          );
      return (r.rowCount ?? 0) > 0;
    },
    async renewLeases(endpoints, owner, until) {
      if (endpoints.length === 0) return [];
      const renewed = (
        await q(
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
      const kept = new Set(renewed.map((r) => key(r.recipient_id as string, r.channel as string, r.role as string)));
      return endpoints.filter((e) => kept.has(key(e.recipientId, e.channel, e.role)));
    },
    async leaseHolders() {
      return ((await q('SELECT DISTINCT lease_owner FROM endpoints WHERE lease_owner IS NOT NULL')).rows as Row[]).map(
        (r) => r.lease_owner as string,
      );
    },
    async releaseLeasesOf(holders) {
      if (holders.length === 0) return 0;
      const r = await q(
        'UPDATE endpoints SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ANY($1::text[])',
        [holders],
      );
      if (r.rowCount) await q(`SELECT pg_notify('${DUE_CHANNEL}', '')`);
      return r.rowCount ?? 0;
    },
    async deliveriesOf(seq) {
      return (
        (
          await q(
            `SELECT * FROM deliveries WHERE kind = 'message' AND item_seq = $1 AND requeue_id IS NULL ORDER BY id`,
            [seq],
          )
        ).rows as Row[]
      ).map((r) => ({
        id: Number(r.id),
        recipientId: r.recipient_id as string,
        role: (r.role as string) || null,
        channel: r.channel as string,
        state: r.state as DeliveryState,
        attempts: Number(r.attempts),
        firstFailureAt: time(r.first_failure_at),
        nextAttemptAt: Number(r.next_attempt_at),
        lastAttemptAt: time(r.last_attempt_at),
        lastStatus: time(r.last_status),
        lastError: (r.last_error as string | null) ?? null,
      }));
    },
    async statusMessagesOf(seq) {
      return (
        (
          await q(
            `SELECT s.*, d.state, d.last_attempt_at, d.last_status FROM status_messages s
         JOIN deliveries d ON d.kind = 'status' AND d.item_seq = s.id AND d.requeue_id IS NULL WHERE s.message_seq = $1 ORDER BY s.id`,
            [seq],
          )
        ).rows as Row[]
      ).map((r) => ({
        id: Number(r.id),
        recipientId: r.recipient_id as string,
        role: r.role as string,
        item: JSON.parse(r.item as string) as StandardResponseItem,
        createdAt: Number(r.created_at),
        state: r.state as DeliveryState,
        lastAttemptAt: time(r.last_attempt_at),
        lastStatus: time(r.last_status),
      }));
    },
    async rolesAddressed(seq, recipientId) {
      return (
        (
          await q(
            `SELECT DISTINCT role FROM deliveries WHERE kind = 'message' AND item_seq = $1 AND recipient_id = $2 ORDER BY role`,
            [seq, recipientId],
          )
        ).rows as Row[]
      ).map((r) => r.role as string);
    },
    async messageByTransactionId(transactionId) {
      const seq = sequenceOfTransactionId(transactionId);
      if (seq === null) return null;
      const r = (await q('SELECT * FROM messages WHERE seq = $1 AND transaction_id = $2', [seq, transactionId]))
        .rows[0] as Row | undefined;
      return r ? toMessage(r) : null;
    },
    async addStatusMessages(messages, now) {
      await transaction(pool, async (c) => {
        await queueStatus(c, messages, now);
        if (messages.length > 0) await c.query(`SELECT pg_notify('${DUE_CHANNEL}', '')`);
      });
    },
  };
}
