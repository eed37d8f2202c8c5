/**
 * Copies on PostgreSQL: the copies routing queues for each recipient and role, the endpoints they wait
 * on, and what the journal and a recipient's checks read of them.
 */
import type { NewDelivery } from '../../domain/archive.js';
import { STATUS_CHANNEL, type Endpoint, type PendingDelivery } from '../../domain/delivery.js';
import type { StandardResponseItem } from '../../domain/responses.js';
import type { DeliveryStore } from '../ports.js';
import { optionalNumber, toCopyState, type Row } from '../rows.js';
import type { Postgres, Queryable } from './pool.js';

/** An endpoint as one string, for sets and sorting. */
export const endpointKey = (recipient: string, channel: string, role: string): string =>
  `${recipient}\u0000${channel}\u0000${role}`;

/** Makes endpoints due (creating them on first use), in key order so concurrent writers never deadlock. */
export async function touchEndpoints(t: Queryable, keys: Iterable<string>, now: number): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  const parts = sorted.map((k) => k.split('\u0000'));
  await t.query(
    `INSERT INTO endpoints (recipient_id, channel, role, next_due_at)
     SELECT r, c, o, $4::bigint FROM unnest($1::text[], $2::text[], $3::text[]) AS t(r, c, o)
     ON CONFLICT (recipient_id, channel, role) DO UPDATE SET next_due_at = LEAST(coalesce(endpoints.next_due_at, excluded.next_due_at), excluded.next_due_at)`,
    [parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => p[2]), now],
  );
}

/** Inside an ingest transaction: the copies of accepted messages, due now. */
export async function queueCopies(t: Queryable, deliveries: NewDelivery[], now: number): Promise<void> {
  if (deliveries.length === 0) return;
  await t.query(
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
    t,
    deliveries.map((d) => endpointKey(d.recipientId, d.channel, d.role)),
    now,
  );
}

export async function pendingDeliveries(
  c: Postgres,
  endpoint: Endpoint,
  now: number,
  limit: number,
): Promise<PendingDelivery[]> {
  const args = [endpoint.recipientId, endpoint.channel, endpoint.role, now, limit];
  return endpoint.channel === STATUS_CHANNEL
    ? pendingStatusCopies(c, endpoint, args)
    : pendingMessageCopies(c, endpoint, args);
}

async function pendingStatusCopies(c: Postgres, endpoint: Endpoint, args: unknown[]): Promise<PendingDelivery[]> {
  const { recipientId } = endpoint;
  const role = endpoint.role || null;
  const rows = (
    await c.pool.query(
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
    firstFailureAt: optionalNumber(r.first_failure_at),
    createdAt: Number(r.created_at),
    messageSeq: null,
    publicationId: null,
    statusItem: JSON.parse(r.item as string) as StandardResponseItem,
    requeueId: (r.requeue_id as string | null) ?? null,
  }));
}

async function pendingMessageCopies(c: Postgres, endpoint: Endpoint, args: unknown[]): Promise<PendingDelivery[]> {
  const { recipientId } = endpoint;
  const role = endpoint.role || null;
  const rows = (
    await c.pool.query(
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
    firstFailureAt: optionalNumber(r.first_failure_at),
    createdAt: Number(r.created_at),
    messageSeq: Number(r.item_seq),
    publicationId: (r.publication_id as string | null) ?? null,
    statusItem: null,
    requeueId: (r.requeue_id as string | null) ?? null,
  }));
}

export async function deliveriesOf(c: Postgres, seq: number): ReturnType<DeliveryStore['deliveriesOf']> {
  const r = await c.pool.query(
    `SELECT * FROM deliveries WHERE kind = 'message' AND item_seq = $1 AND requeue_id IS NULL ORDER BY id`,
    [seq],
  );
  return (r.rows as Row[]).map(toCopyState);
}

export async function rolesAddressed(c: Postgres, seq: number, recipientId: string): Promise<string[]> {
  const r = await c.pool.query(
    `SELECT DISTINCT role FROM deliveries WHERE kind = 'message' AND item_seq = $1 AND recipient_id = $2 ORDER BY role`,
    [seq, recipientId],
  );
  return (r.rows as Row[]).map((row) => row.role as string);
}
