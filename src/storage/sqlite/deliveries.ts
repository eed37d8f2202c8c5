/**
 * Copies on SQLite: the copies routing queues for each recipient and role, the endpoints they wait on,
 * and what the journal and a recipient's checks read of them. Every multi-row change runs inside the
 * caller's transaction.
 */
import type { NewDelivery } from '../../domain/archive.js';
import { STATUS_CHANNEL, type Endpoint, type PendingDelivery } from '../../domain/delivery.js';
import type { StandardResponseItem } from '../../domain/responses.js';
import type { DeliveryStore } from '../ports.js';
import { optionalNumber, toCopyState, type Row } from '../rows.js';
import { statement, type Sqlite } from './context.js';

export const insertDelivery = statement(
  `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at, publication_id)
     VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
);
/** Makes an endpoint due (creating it on first use): (recipient, channel, role, now). */
export const touchEndpoint = statement(
  `INSERT INTO endpoints (recipient_id, channel, role, next_due_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (recipient_id, channel, role) DO UPDATE SET next_due_at = min(coalesce(next_due_at, excluded.next_due_at), excluded.next_due_at)`,
);
// Read as arrays, without joins: this runs for every call and a call carries up to FETCH_LIMIT copies.
const pendingMessages = statement(
  `SELECT id, item_seq, attempts, first_failure_at, created_at, publication_id, requeue_id FROM deliveries
     WHERE state = 'pending' AND recipient_id = ? AND channel = ? AND role = ? AND next_attempt_at <= ?
     ORDER BY next_attempt_at, id LIMIT ?`,
  'raw',
);
const pendingStatuses = statement(
  `SELECT d.id, d.attempts, d.first_failure_at, d.created_at, s.item, d.requeue_id FROM deliveries d JOIN status_messages s ON s.id = d.item_seq
     WHERE d.state = 'pending' AND d.recipient_id = ? AND d.channel = ? AND d.role = ? AND d.next_attempt_at <= ?
     ORDER BY d.next_attempt_at, d.id LIMIT ?`,
  'raw',
);
const originalCopies = statement(
  `SELECT * FROM deliveries WHERE kind = 'message' AND item_seq = ? AND requeue_id IS NULL ORDER BY id`,
);
const rolesOfRecipient = statement(
  `SELECT DISTINCT role FROM deliveries WHERE kind = 'message' AND item_seq = ? AND recipient_id = ? ORDER BY role`,
  'pluck',
);

/** Inside an ingest transaction: the copies of accepted messages, due now. */
export function queueCopies(c: Sqlite, deliveries: NewDelivery[], now: number): void {
  const endpoints = new Set<string>();
  for (const d of deliveries) {
    insertDelivery(c).run('message', d.messageSeq, d.recipientId, d.role, d.channel, now, now, d.publicationId);
    const key = `${d.recipientId}|${d.channel}|${d.role}`;
    if (!endpoints.has(key)) {
      endpoints.add(key);
      touchEndpoint(c).run(d.recipientId, d.channel, d.role, now);
    }
  }
}

export async function pendingDeliveries(
  c: Sqlite,
  endpoint: Endpoint,
  now: number,
  limit: number,
): Promise<PendingDelivery[]> {
  const args = [endpoint.recipientId, endpoint.channel, endpoint.role, now, limit];
  const { recipientId } = endpoint;
  const role = endpoint.role || null;
  // Literals with every key in one order (no spreads), so the many copies of a call share one shape.
  if (endpoint.channel === STATUS_CHANNEL) {
    return (pendingStatuses(c).all(...args) as unknown[][]).map((r): PendingDelivery => ({
      id: Number(r[0]),
      kind: 'status',
      recipientId,
      role,
      attempts: Number(r[1]),
      firstFailureAt: optionalNumber(r[2]),
      createdAt: Number(r[3]),
      messageSeq: null,
      publicationId: null,
      statusItem: JSON.parse(r[4] as string) as StandardResponseItem,
      requeueId: (r[5] as string | null) ?? null,
    }));
  }
  return (pendingMessages(c).all(...args) as unknown[][]).map((r): PendingDelivery => ({
    id: Number(r[0]),
    kind: 'message',
    recipientId,
    role,
    attempts: Number(r[2]),
    firstFailureAt: optionalNumber(r[3]),
    createdAt: Number(r[4]),
    messageSeq: Number(r[1]),
    publicationId: (r[5] as string | null) ?? null,
    statusItem: null,
    requeueId: (r[6] as string | null) ?? null,
  }));
}

export async function deliveriesOf(c: Sqlite, seq: number): ReturnType<DeliveryStore['deliveriesOf']> {
  return (originalCopies(c).all(seq) as Row[]).map(toCopyState);
}

export async function rolesAddressed(c: Sqlite, seq: number, recipientId: string): Promise<string[]> {
  return rolesOfRecipient(c).all(seq, recipientId) as string[];
}
