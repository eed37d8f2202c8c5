/**
 * The SQLite side of replay: what a recipient may replay is what it was originally sent (its copies
 * without a requeue id), and the status messages sent to it.
 */
import type { ReplayCursor, ReplayKey, ReplayQuery, StatusReplayQuery } from '../../domain/replay.js';
import type { ReplayStore } from '../ports.js';
import { toReplayedStatus, toReplayKey, type Row } from '../rows.js';
import type { Sqlite } from './context.js';

/**
 * The recipient's original copies matching a query, as SQL over `d` (deliveries) and `m` (messages), with named
 * parameters.
 */
export function copiesMatching(q: ReplayQuery): { sql: string; params: Record<string, unknown> } {
  const where = [
    `d.kind = 'message'`,
    'd.requeue_id IS NULL',
    'd.recipient_id = @recipient',
    'd.role IN (SELECT value FROM json_each(@roles))',
    'd.channel = @channel',
    'm.received_at >= @notBefore',
  ];
  const params: Record<string, unknown> = {
    recipient: q.recipientId,
    roles: JSON.stringify(q.roles),
    channel: q.channel,
    notBefore: q.notBefore,
  };
  const add = (clause: string, name: string, value: unknown): void => {
    if (value === null) return;
    where.push(clause);
    params[name] = value;
  };
  add('m.received_at >= @from', 'from', q.from);
  add('m.received_at <= @to', 'to', q.to);
  add('m.event_code = @event', 'event', q.eventCode);
  add('m.mpan = @mpan', 'mpan', q.mpan);
  add('m.schema_version = @version', 'version', q.schemaVersion);
  add(
    'm.transaction_id IN (SELECT value FROM json_each(@txns))',
    'txns',
    q.transactionIds && JSON.stringify(q.transactionIds),
  );
  // By MPAN the archive's MPAN index leads; otherwise the recipient's copies do.
  const from =
    q.mpan !== null
      ? 'messages m JOIN deliveries d ON d.item_seq = m.seq'
      : 'deliveries d JOIN messages m ON m.seq = d.item_seq';
  return { sql: `FROM ${from} WHERE ${where.join(' AND ')}`, params };
}

/** Status messages sent to the recipient matching a query, as SQL over `s` (status_messages), with named parameters. */
export function statusesMatching(q: StatusReplayQuery): { sql: string; params: Record<string, unknown> } {
  const where = [
    's.recipient_id = @recipient',
    's.role IN (SELECT value FROM json_each(@roles))',
    's.created_at >= @from',
    's.created_at <= @to',
    's.created_at >= @notBefore',
  ];
  const params: Record<string, unknown> = {
    recipient: q.recipientId,
    roles: JSON.stringify(q.roles),
    from: q.from,
    to: q.to,
    notBefore: q.notBefore,
  };
  const add = (field: string, name: string, value: string | null): void => {
    if (value === null) return;
    where.push(`json_extract(s.item, '$.${field}') = @${name}`);
    params[name] = value;
  };
  add('transactionID', 'txn', q.transactionId);
  add('senderUniqueReference', 'sur', q.senderUniqueReference);
  add('correlationID', 'correlation', q.correlationId);
  return { sql: `FROM status_messages s WHERE ${where.join(' AND ')}`, params };
}

export async function replayKeys(
  c: Sqlite,
  q: ReplayQuery,
  after: ReplayCursor | null,
  limit: number,
): Promise<ReplayKey[]> {
  const { sql, params } = copiesMatching(q);
  const cursor = after ? ' AND (d.item_seq > @afterSeq OR (d.item_seq = @afterSeq AND d.role > @afterRole))' : '';
  const rows = c.db
    .prepare(
      `SELECT d.item_seq AS seq, d.role, d.publication_id ${sql}${cursor} ORDER BY d.item_seq, d.role LIMIT @limit`,
    )
    .all({ ...params, limit, ...(after ? { afterSeq: after.seq, afterRole: after.role } : {}) }) as Row[];
  return rows.map(toReplayKey);
}

export async function replayStatuses(
  c: Sqlite,
  q: StatusReplayQuery,
  after: number | null,
  limit: number,
): ReturnType<ReplayStore['replayStatuses']> {
  const { sql, params } = statusesMatching(q);
  const rows = c.db
    .prepare(
      `SELECT s.id, s.item, s.created_at ${sql}${after === null ? '' : ' AND s.id > @after'} ORDER BY s.id LIMIT @limit`,
    )
    .all({ ...params, limit, ...(after === null ? {} : { after }) }) as Row[];
  return rows.map(toReplayedStatus);
}
