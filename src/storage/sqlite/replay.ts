/**
 * The SQLite side of replay and requeue: what a recipient may replay is what it was originally sent (its
 * copies without a requeue id); a requeue makes new copies of them, due now, for the delivery engine.
 */
import type Database from 'better-sqlite3';
import type { StandardResponseItem } from '../../domain/responses.js';
import {
  isMessageQuery,
  type ReplayCursor,
  type ReplayKey,
  type ReplayQuery,
  type Requeue,
  type RequeueProgress,
  type StatusReplayQuery,
} from '../../domain/replay.js';
import { STATUS_CHANNEL } from '../../domain/delivery.js';
import { type ReplayStore } from '../ports.js';
import { toRequeueProgress, type Row } from '../rows.js';

/** The recipient's original copies matching a query, as SQL over `d` (deliveries) and `m` (messages), with named parameters. */
function copiesMatching(q: ReplayQuery): { sql: string; params: Record<string, unknown> } {
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

function statusesMatching(q: StatusReplayQuery): { sql: string; params: Record<string, unknown> } {
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

export function replayParts(db: Database.Database): ReplayStore {
  const touchEndpoint = db.prepare(
    `INSERT INTO endpoints (recipient_id, channel, role, next_due_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (recipient_id, channel, role) DO UPDATE SET next_due_at = min(coalesce(next_due_at, excluded.next_due_at), excluded.next_due_at)`,
  );
  // One requeue at a time per recipient, channel and role: another's copies still pending in one of its roles.
  const busy = db.prepare(
    `SELECT 1 FROM requeues r JOIN deliveries d ON d.requeue_id = r.id
     WHERE r.recipient_id = ? AND r.channel = ? AND d.state = 'pending' AND d.role IN (SELECT value FROM json_each(?)) LIMIT 1`,
  );

  const start = db.transaction((r: Requeue, q: ReplayQuery | StatusReplayQuery): number | null => {
    if (busy.get(r.recipientId, r.channel, JSON.stringify(q.roles)) !== undefined) return null;
    const now = r.createdAt;
    let total: number;
    if (isMessageQuery(q)) {
      const { sql, params } = copiesMatching(q);
      total = db
        .prepare(
          `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at, publication_id, requeue_id)
         SELECT 'message', d.item_seq, d.recipient_id, d.role, d.channel, 'pending', @now, @now, d.publication_id, @requeue ${sql} ORDER BY d.item_seq, d.role`,
        )
        .run({ ...params, now, requeue: r.id }).changes;
    } else {
      const { sql, params } = statusesMatching(q);
      total = db
        .prepare(
          `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at, requeue_id)
         SELECT 'status', s.id, s.recipient_id, s.role, '${STATUS_CHANNEL}', 'pending', @now, @now, @requeue ${sql} ORDER BY s.id`,
        )
        .run({ ...params, now, requeue: r.id }).changes;
    }
    const roles = db.prepare(`SELECT DISTINCT role FROM deliveries WHERE requeue_id = ?`).pluck().all(r.id) as string[];
    for (const role of roles) touchEndpoint.run(r.recipientId, r.channel, role, now);
    db.prepare(
      'INSERT INTO requeues (id, recipient_id, channel, requested_by, request, total, created_at, roles) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      r.id,
      r.recipientId,
      r.channel,
      r.requestedBy,
      JSON.stringify(r.request),
      total,
      now,
      r.roles && JSON.stringify(r.roles),
    );
    return total;
  });

  return {
    async replayKeys(q: ReplayQuery, after: ReplayCursor | null, limit: number): Promise<ReplayKey[]> {
      const { sql, params } = copiesMatching(q);
      const cursor = after ? ' AND (d.item_seq > @afterSeq OR (d.item_seq = @afterSeq AND d.role > @afterRole))' : '';
      const rows = db
        .prepare(
          `SELECT d.item_seq AS seq, d.role, d.publication_id ${sql}${cursor} ORDER BY d.item_seq, d.role LIMIT @limit`,
        )
        .all({ ...params, limit, ...(after ? { afterSeq: after.seq, afterRole: after.role } : {}) }) as Row[];
      return rows.map((r) => ({
        seq: Number(r.seq),
        role: r.role as string,
        publicationId: (r.publication_id as string | null) ?? null,
      }));
    },
    async replayStatuses(q, after, limit) {
      const { sql, params } = statusesMatching(q);
      const rows = db
        .prepare(
          `SELECT s.id, s.item, s.created_at ${sql}${after === null ? '' : ' AND s.id > @after'} ORDER BY s.id LIMIT @limit`,
        )
        .all({ ...params, limit, ...(after === null ? {} : { after }) }) as Row[];
      return rows.map((r) => ({
        id: Number(r.id),
        item: JSON.parse(r.item as string) as StandardResponseItem,
        createdAt: Number(r.created_at),
      }));
    },
    async startRequeue(r, q) {
      return start.immediate(r, q);
    },
    async requeues(recipientId, channel, id): Promise<RequeueProgress[]> {
      const rows = db
        .prepare(
          `SELECT r.*, count(d.id) FILTER (WHERE d.state = 'pending') AS pending, count(d.id) FILTER (WHERE d.state = 'delivered') AS delivered,
           count(d.id) FILTER (WHERE d.state IN ('rejected', 'held', 'dead')) AS failed
         FROM requeues r LEFT JOIN deliveries d ON d.requeue_id = r.id
         WHERE r.recipient_id = ? AND r.channel = ? ${id === null ? '' : 'AND r.id = ?'}
         GROUP BY r.id ORDER BY r.created_at DESC, r.id DESC`,
        )
        .all(...[recipientId, channel, ...(id === null ? [] : [id])]) as Row[];
      return rows.map(toRequeueProgress);
    },
  };
}
