/**
 * Requeues on SQLite: a new copy, due now, of everything a replay query matches, in one transaction; one
 * requeue at a time per recipient, channel and role. A requeue with a journal reason (an operator's, on a
 * participant's behalf) journals each copy in the same transaction: a kill -9 leaves the requeue, its
 * copies and their journal entries all there or none of them.
 */
import { STATUS_CHANNEL } from '../../domain/delivery.js';
import {
  isMessageQuery,
  type ReplayQuery,
  type Requeue,
  type RequeueProgress,
  type StatusReplayQuery,
} from '../../domain/replay.js';
import { requeueJournalSql } from '../requeue-sql.js';
import { toRequeueProgress, type Row } from '../rows.js';
import { immediate, statement, type Sqlite } from './context.js';
import { touchEndpoint } from './deliveries.js';
import { copiesMatching, statusesMatching } from './replay.js';

// One requeue at a time per recipient, channel and role: another's copies still pending in one of its roles.
const busy = statement(
  `SELECT 1 FROM requeues r JOIN deliveries d ON d.requeue_id = r.id
     WHERE r.recipient_id = ? AND r.channel = ? AND d.state = 'pending' AND d.role IN (SELECT value FROM json_each(?)) LIMIT 1`,
);
const rolesOfRequeue = statement(`SELECT DISTINCT role FROM deliveries WHERE requeue_id = ?`, 'pluck');
const insertRequeue = statement(
  'INSERT INTO requeues (id, recipient_id, channel, requested_by, request, total, created_at, roles) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
);

export async function startRequeue(c: Sqlite, r: Requeue, q: ReplayQuery | StatusReplayQuery): Promise<number | null> {
  return immediate(c, () => {
    if (busy(c).get(r.recipientId, r.channel, JSON.stringify(q.roles)) !== undefined) return null;
    const now = r.createdAt;
    const total = isMessageQuery(q) ? copyMessages(c, r, q) : copyStatuses(c, r, q);
    for (const role of rolesOfRequeue(c).all(r.id) as string[])
      touchEndpoint(c).run(r.recipientId, r.channel, role, now);
    insertRequeue(c).run(
      r.id,
      r.recipientId,
      r.channel,
      r.requestedBy,
      JSON.stringify(r.request),
      total,
      now,
      r.roles && JSON.stringify(r.roles),
    );
    if (r.journalReason) journalCopies(c, r);
    return total;
  });
}

/** One journal entry `Requeued` per copy the requeue made, saying who asked (an operator, for whom). */
function journalCopies(c: Sqlite, r: Requeue): void {
  c.db
    .prepare(requeueJournalSql('@requeue', '@now', '@reason'))
    .run({ requeue: r.id, now: r.createdAt, reason: r.journalReason });
}

/** New copies of the messages the query matches; how many. */
function copyMessages(c: Sqlite, r: Requeue, q: ReplayQuery): number {
  const { sql, params } = copiesMatching(q);
  return c.db
    .prepare(
      `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at, publication_id, requeue_id)
         SELECT 'message', d.item_seq, d.recipient_id, d.role, d.channel, 'pending', @now, @now, d.publication_id, @requeue ${sql} ORDER BY d.item_seq, d.role`,
    )
    .run({ ...params, now: r.createdAt, requeue: r.id }).changes;
}

/** New copies of the status messages the query matches; how many. */
function copyStatuses(c: Sqlite, r: Requeue, q: StatusReplayQuery): number {
  const { sql, params } = statusesMatching(q);
  return c.db
    .prepare(
      `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at, requeue_id)
         SELECT 'status', s.id, s.recipient_id, s.role, '${STATUS_CHANNEL}', 'pending', @now, @now, @requeue ${sql} ORDER BY s.id`,
    )
    .run({ ...params, now: r.createdAt, requeue: r.id }).changes;
}

export async function requeues(
  c: Sqlite,
  recipientId: string,
  channel: string,
  id: string | null,
): Promise<RequeueProgress[]> {
  const rows = c.db
    .prepare(
      `SELECT r.*, count(d.id) FILTER (WHERE d.state = 'pending') AS pending, count(d.id) FILTER (WHERE d.state = 'delivered') AS delivered,
           count(d.id) FILTER (WHERE d.state IN ('rejected', 'held', 'dead')) AS failed
         FROM requeues r LEFT JOIN deliveries d ON d.requeue_id = r.id
         WHERE r.recipient_id = ? AND r.channel = ? ${id === null ? '' : 'AND r.id = ?'}
         GROUP BY r.id ORDER BY r.created_at DESC, r.id DESC`,
    )
    .all(...[recipientId, channel, ...(id === null ? [] : [id])]) as Row[];
  return rows.map(toRequeueProgress);
}
