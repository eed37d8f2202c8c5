/**
 * Requeues on PostgreSQL: a new copy, due now, of everything a replay query matches, in one transaction;
 * one requeue at a time per recipient, channel and role, across processes. A requeue with a journal reason
 * (an operator's, on a participant's behalf) journals each copy in the same transaction: a kill -9 leaves
 * the requeue, its copies and their journal entries all there or none of them.
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
import { notifyDue } from './due.js';
import { Params, transaction, type Postgres, type Queryable } from './pool.js';
import { copiesMatching, statusesMatching } from './replay.js';

export async function startRequeue(
  c: Postgres,
  r: Requeue,
  q: ReplayQuery | StatusReplayQuery,
): Promise<number | null> {
  return transaction(c.pool, async (t) => {
    // One requeue at a time per recipient and channel, across processes.
    await t.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`requeue|${r.recipientId}|${r.channel}`]);
    // One at a time per role: another requeue's copies still pending in one of this one's roles.
    const busy = await t.query(
      `SELECT 1 FROM requeues r JOIN deliveries d ON d.requeue_id = r.id
           WHERE r.recipient_id = $1 AND r.channel = $2 AND d.state = 'pending' AND d.role = ANY($3::text[]) LIMIT 1`,
      [r.recipientId, r.channel, q.roles],
    );
    if (busy.rowCount) return null;
    const now = r.createdAt;
    const total = isMessageQuery(q) ? await copyMessages(t, r, q) : await copyStatuses(t, r, q);
    await t.query(
      `INSERT INTO endpoints (recipient_id, channel, role, next_due_at) SELECT DISTINCT recipient_id, channel, role, $2::bigint FROM deliveries WHERE requeue_id = $1
           ON CONFLICT (recipient_id, channel, role) DO UPDATE SET next_due_at = LEAST(coalesce(endpoints.next_due_at, excluded.next_due_at), excluded.next_due_at)`,
      [r.id, now],
    );
    await t.query(
      'INSERT INTO requeues (id, recipient_id, channel, requested_by, request, total, created_at, roles) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [
        r.id,
        r.recipientId,
        r.channel,
        r.requestedBy,
        JSON.stringify(r.request),
        total,
        now,
        r.roles && JSON.stringify(r.roles),
      ],
    );
    // One journal entry `Requeued` per copy, saying who asked (an operator, for whom), in the same transaction.
    if (r.journalReason) await t.query(requeueJournalSql('$1', '$2::bigint', '$3::text'), [r.id, now, r.journalReason]);
    if (total > 0) await notifyDue(t);
    return total;
  });
}

/** New copies of the messages the query matches; how many. */
async function copyMessages(t: Queryable, r: Requeue, q: ReplayQuery): Promise<number> {
  const now = r.createdAt;
  const p = new Params();
  const match = copiesMatching(q, p);
  const result = await t.query(
    `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at, publication_id, requeue_id)
             SELECT 'message', d.item_seq, d.recipient_id, d.role, d.channel, 'pending', ${p.add(now)}::bigint, ${p.add(now)}::bigint, d.publication_id, ${p.add(r.id)}
             ${match} ORDER BY d.item_seq, d.role`,
    p.values,
  );
  return result.rowCount ?? 0;
}

/** New copies of the status messages the query matches; how many. */
async function copyStatuses(t: Queryable, r: Requeue, q: StatusReplayQuery): Promise<number> {
  const now = r.createdAt;
  const p = new Params();
  const match = statusesMatching(q, p);
  const result = await t.query(
    `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at, requeue_id)
             SELECT 'status', s.id, s.recipient_id, s.role, '${STATUS_CHANNEL}', 'pending', ${p.add(now)}::bigint, ${p.add(now)}::bigint, ${p.add(r.id)} ${match} ORDER BY s.id`,
    p.values,
  );
  return result.rowCount ?? 0;
}

export async function requeues(
  c: Postgres,
  recipientId: string,
  channel: string,
  id: string | null,
): Promise<RequeueProgress[]> {
  const rows = (
    await c.pool.query(
      `SELECT r.*, count(d.id) FILTER (WHERE d.state = 'pending') AS pending, count(d.id) FILTER (WHERE d.state = 'delivered') AS delivered,
           count(d.id) FILTER (WHERE d.state IN ('rejected', 'held', 'dead')) AS failed
         FROM requeues r LEFT JOIN deliveries d ON d.requeue_id = r.id
         WHERE r.recipient_id = $1 AND r.channel = $2 AND ($3::text IS NULL OR r.id = $3)
         GROUP BY r.id ORDER BY r.created_at DESC, r.id DESC`,
      [recipientId, channel, id],
    )
  ).rows as Row[];
  return rows.map(toRequeueProgress);
}
