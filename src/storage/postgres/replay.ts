/**
 * The PostgreSQL side of replay and requeue (the same rules as sqlite/replay.ts). Time bounds are also
 * given as sequence bounds, so a replay reads only the archive's partitions for its months.
 */
import type pg from 'pg';
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
import { DUE_CHANNEL } from './delivery.js';
import { transaction } from './pool.js';
import { DAY_MS, dayBase } from './sequence.js';

/** Positional parameters built up clause by clause. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function copiesMatching(q: ReplayQuery, p: Params): string {
  const where = [
    `d.kind = 'message'`,
    'd.requeue_id IS NULL',
    `d.recipient_id = ${p.add(q.recipientId)}`,
    `d.role = ANY(${p.add(q.roles)}::text[])`,
    `d.channel = ${p.add(q.channel)}`,
    `m.received_at >= ${p.add(q.notBefore)}`,
  ];
  // A number carries the day its message arrived: the time bounds, as numbers, name the partitions to read.
  const from = Math.max(q.notBefore, q.from ?? 0);
  where.push(`m.seq >= ${p.add(dayBase(from))}`);
  if (q.from !== null) where.push(`m.received_at >= ${p.add(q.from)}`);
  // A day's slack above: a process whose clock ran ahead may have moved the sequence into the next day.
  if (q.to !== null) where.push(`m.received_at <= ${p.add(q.to)}`, `m.seq < ${p.add(dayBase(q.to + 2 * DAY_MS))}`);
  if (q.eventCode !== null) where.push(`m.event_code = ${p.add(q.eventCode)}`);
  if (q.mpan !== null) where.push(`m.mpan = ${p.add(q.mpan)}`);
  if (q.schemaVersion !== null) where.push(`m.schema_version = ${p.add(q.schemaVersion)}`);
  if (q.transactionIds !== null) where.push(`m.transaction_id = ANY(${p.add(q.transactionIds)}::text[])`);
  return `FROM deliveries d JOIN messages m ON m.seq = d.item_seq WHERE ${where.join(' AND ')}`;
}

function statusesMatching(q: StatusReplayQuery, p: Params): string {
  const where = [
    `s.recipient_id = ${p.add(q.recipientId)}`,
    `s.role = ANY(${p.add(q.roles)}::text[])`,
    `s.created_at >= ${p.add(Math.max(q.from, q.notBefore))}`,
    `s.created_at <= ${p.add(q.to)}`,
  ];
  if (q.transactionId !== null) where.push(`s.item::json->>'transactionID' = ${p.add(q.transactionId)}`);
  if (q.senderUniqueReference !== null)
    where.push(`s.item::json->>'senderUniqueReference' = ${p.add(q.senderUniqueReference)}`);
  if (q.correlationId !== null) where.push(`s.item::json->>'correlationID' = ${p.add(q.correlationId)}`);
  return `FROM status_messages s WHERE ${where.join(' AND ')}`;
}

export function pgReplayParts(pool: pg.Pool): ReplayStore {
  return {
    async replayKeys(q: ReplayQuery, after: ReplayCursor | null, limit: number): Promise<ReplayKey[]> {
      const p = new Params();
      let sql = `SELECT d.item_seq AS seq, d.role, d.publication_id ${copiesMatching(q, p)}`;
      if (after) sql += ` AND (d.item_seq, d.role) > (${p.add(after.seq)}::bigint, ${p.add(after.role)}::text)`;
      sql += ` ORDER BY d.item_seq, d.role LIMIT ${p.add(limit)}`;
      const rows = (await pool.query(sql, p.values)).rows as Row[];
      return rows.map((r) => ({
        seq: Number(r.seq),
        role: r.role as string,
        publicationId: (r.publication_id as string | null) ?? null,
      }));
    },
    async replayStatuses(q, after, limit) {
      const p = new Params();
      let sql = `SELECT s.id, s.item, s.created_at ${statusesMatching(q, p)}`;
      if (after !== null) sql += ` AND s.id > ${p.add(after)}`;
      sql += ` ORDER BY s.id LIMIT ${p.add(limit)}`;
      return ((await pool.query(sql, p.values)).rows as Row[]).map((r) => ({
        id: Number(r.id),
        item: JSON.parse(r.item as string) as StandardResponseItem,
        createdAt: Number(r.created_at),
      }));
    },
    async startRequeue(r: Requeue, q) {
      return transaction(pool, async (c) => {
        // One requeue at a time per recipient and channel, across processes.
        await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `requeue|${r.recipientId}|${r.channel}`,
        ]);
        // One at a time per role: another requeue's copies still pending in one of this one's roles.
        const busy = await c.query(
          `SELECT 1 FROM requeues r JOIN deliveries d ON d.requeue_id = r.id
           WHERE r.recipient_id = $1 AND r.channel = $2 AND d.state = 'pending' AND d.role = ANY($3::text[]) LIMIT 1`,
          [r.recipientId, r.channel, q.roles],
        );
        if (busy.rowCount) return null;
        const now = r.createdAt;
        const p = new Params();
        let total: number;
        if (isMessageQuery(q)) {
          const match = copiesMatching(q, p);
          total =
            (
              await c.query(
                `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at, publication_id, requeue_id)
             SELECT 'message', d.item_seq, d.recipient_id, d.role, d.channel, 'pending', ${p.add(now)}::bigint, ${p.add(now)}::bigint, d.publication_id, ${p.add(r.id)}
             ${match} ORDER BY d.item_seq, d.role`,
                p.values,
              )
            ).rowCount ?? 0;
        } else {
          const match = statusesMatching(q, p);
          total =
            (
              await c.query(
                `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at, requeue_id)
             SELECT 'status', s.id, s.recipient_id, s.role, '${STATUS_CHANNEL}', 'pending', ${p.add(now)}::bigint, ${p.add(now)}::bigint, ${p.add(r.id)} ${match} ORDER BY s.id`,
                p.values,
              )
            ).rowCount ?? 0;
        }
        await c.query(
          `INSERT INTO endpoints (recipient_id, channel, role, next_due_at) SELECT DISTINCT recipient_id, channel, role, $2::bigint FROM deliveries WHERE requeue_id = $1
           ON CONFLICT (recipient_id, channel, role) DO UPDATE SET next_due_at = LEAST(coalesce(endpoints.next_due_at, excluded.next_due_at), excluded.next_due_at)`,
          [r.id, now],
        );
        await c.query(
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
        if (total > 0) await c.query(`SELECT pg_notify('${DUE_CHANNEL}', '')`);
        return total;
      });
    },
    async requeues(recipientId, channel, id): Promise<RequeueProgress[]> {
      const rows = (
        await pool.query(
          `SELECT r.*, count(d.id) FILTER (WHERE d.state = 'pending') AS pending, count(d.id) FILTER (WHERE d.state = 'delivered') AS delivered,
           count(d.id) FILTER (WHERE d.state IN ('rejected', 'held', 'dead')) AS failed
         FROM requeues r LEFT JOIN deliveries d ON d.requeue_id = r.id
         WHERE r.recipient_id = $1 AND r.channel = $2 AND ($3::text IS NULL OR r.id = $3)
         GROUP BY r.id ORDER BY r.created_at DESC, r.id DESC`,
          [recipientId, channel, id],
        )
      ).rows as Row[];
      return rows.map(toRequeueProgress);
    },
  };
}
