/**
 * The operator's queue queries, written once for both backends: `param` adds a value and returns its
 * placeholder in the backend's dialect. Copies are `d`. Every listing walks one of the deliveries' endpoint
 * indexes in order (recipient, channel, role, next attempt, id), so a page costs its own rows, not the backlog.
 */
import type { CopySelector, QueueCursor, QueueFilter } from '../domain/queue.js';

type Param = (v: unknown) => string;

const PARKED = `EXISTS (SELECT 1 FROM endpoints e WHERE e.recipient_id = d.recipient_id AND e.channel = d.channel
    AND e.role = d.role AND e.next_due_at IS NULL)`;
const ORDER = 'd.recipient_id, d.channel, d.role, d.next_attempt_at, d.id';

export function filterSql(f: QueueFilter, param: Param): string[] {
  const where: string[] = [];
  if (f.state === 'pending') where.push(`d.state = 'pending' AND NOT ${PARKED}`);
  else if (f.state === 'waiting') where.push(`d.state = 'pending' AND ${PARKED}`);
  else where.push(`d.state = ${param(f.state)}`);
  if (f.recipientId !== null) where.push(`d.recipient_id = ${param(f.recipientId)}`);
  if (f.channel !== null) where.push(`d.channel = ${param(f.channel)}`);
  if (f.role !== null) where.push(`d.role = ${param(f.role)}`);
  if (f.createdBefore !== null) where.push(`d.created_at <= ${param(f.createdBefore)}`);
  return where;
}

export function queueListSql(f: QueueFilter, after: QueueCursor | null, limit: number, param: Param): string {
  const where = filterSql(f, param);
  if (after) where.push(`(${ORDER}) > (${after.map((v) => param(v)).join(', ')})`);
  return `SELECT d.id, d.kind, d.recipient_id, d.role, d.channel, d.created_at, d.attempts, d.next_attempt_at,
      d.last_status, d.last_error, m.transaction_id
    FROM deliveries d LEFT JOIN messages m ON d.kind = 'message' AND m.seq = d.item_seq
    WHERE ${where.join(' AND ')} ORDER BY ${ORDER} LIMIT ${param(limit)}`;
}

export function queueCountSql(f: QueueFilter, cap: number, param: Param): string {
  return `SELECT count(*) AS n FROM (SELECT 1 FROM deliveries d WHERE ${filterSql(f, param).join(' AND ')}
    LIMIT ${param(cap + 1)}) x`;
}

/**
 * The copies an action takes (their endpoints too), at most `limit`: only those in `states`, whether named
 * or matched by a filter.
 */
export function queueSelectSql(s: CopySelector, states: readonly string[], limit: number, param: Param): string {
  const where =
    'ids' in s
      ? [`d.id IN (${s.ids.length === 0 ? '-1' : s.ids.map((id) => param(id)).join(', ')})`]
      : filterSql(s.filter, param);
  where.push(`d.state IN (${states.map((v) => param(v)).join(', ')})`);
  return `SELECT d.id, d.recipient_id, d.channel, d.role FROM deliveries d WHERE ${where.join(' AND ')}
    ORDER BY ${ORDER} LIMIT ${param(limit)}`;
}

/** The journal entries of an operator's action on copies, one per copy, saying who did it. */
export function queueJournalSql(ids: string, at: string, status: string, reason: string): string {
  return `INSERT INTO journal (at, stage, status, status_code, message_seq, transaction_id, sur, channel, event_code, sender_id,
       mpan, correlation_id, recipient, role, message, reason, duration_ms)
    SELECT ${at}, CASE d.kind WHEN 'status' THEN 'StatusMessage' ELSE 'Outbound' END, ${status}, 0, m.seq, m.transaction_id,
      m.sur, coalesce(m.channel, 'STATUS'), m.event_code, m.sender_id, m.mpan, m.correlation_id, d.recipient_id,
      CASE WHEN d.role = '' THEN NULL ELSE d.role END, NULL, ${reason}, 0
    FROM deliveries d LEFT JOIN messages m ON d.kind = 'message' AND m.seq = d.item_seq WHERE d.id IN (${ids})`;
}
