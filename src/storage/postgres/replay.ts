/**
 * The PostgreSQL side of replay (the same rules as sqlite/replay.ts): what a recipient was originally sent,
 * and the status messages sent to it. Time bounds are also given as sequence bounds, so a replay reads only
 * the archive's partitions for its months.
 */
import type { ReplayCursor, ReplayKey, ReplayQuery, StatusReplayQuery } from '../../domain/replay.js';
import type { ReplayStore } from '../ports.js';
import { toReplayedStatus, toReplayKey, type Row } from '../rows.js';
import { Params, type Postgres } from './pool.js';
import { DAY_MS, dayBase } from './sequence.js';

/** The recipient's original copies matching a query, as SQL over `d` (deliveries) and `m` (messages). */
export function copiesMatching(q: ReplayQuery, p: Params): string {
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

/** Status messages sent to the recipient matching a query, as SQL over `s` (status_messages). */
export function statusesMatching(q: StatusReplayQuery, p: Params): string {
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

export async function replayKeys(
  c: Postgres,
  q: ReplayQuery,
  after: ReplayCursor | null,
  limit: number,
): Promise<ReplayKey[]> {
  const p = new Params();
  let sql = `SELECT d.item_seq AS seq, d.role, d.publication_id ${copiesMatching(q, p)}`;
  if (after) sql += ` AND (d.item_seq, d.role) > (${p.add(after.seq)}::bigint, ${p.add(after.role)}::text)`;
  sql += ` ORDER BY d.item_seq, d.role LIMIT ${p.add(limit)}`;
  return ((await c.pool.query(sql, p.values)).rows as Row[]).map(toReplayKey);
}

export async function replayStatuses(
  c: Postgres,
  q: StatusReplayQuery,
  after: number | null,
  limit: number,
): ReturnType<ReplayStore['replayStatuses']> {
  const p = new Params();
  let sql = `SELECT s.id, s.item, s.created_at ${statusesMatching(q, p)}`;
  if (after !== null) sql += ` AND s.id > ${p.add(after)}`;
  sql += ` ORDER BY s.id LIMIT ${p.add(limit)}`;
  return ((await c.pool.query(sql, p.values)).rows as Row[]).map(toReplayedStatus);
}
