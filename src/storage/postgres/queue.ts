/**
 * The operator's queue on PostgreSQL: counts and pages of copies by state, and redrive, each action one
 * transaction of at most QUEUE_ACTION_BATCH copies, locked in index order so two actions never deadlock.
 */
import { CLOSED } from '../../domain/breaker.js';
import {
  QUEUE_ACTION_BATCH,
  type CopySelector,
  type QueueActionResult,
  type QueueCursor,
  type QueueFilter,
  type QueuedCopy,
} from '../../domain/queue.js';
import { queueCountSql, queueJournalSql, queueListSql, queueSelectSql } from '../queue-sql.js';
import { toQueuedCopy, type Row } from '../rows.js';
import { notifyDue } from './due.js';
import { endpointKey } from './deliveries.js';
import { Params, transaction, type Postgres, type Queryable } from './pool.js';

export async function countQueue(c: Postgres, filter: QueueFilter, cap: number): Promise<number> {
  const p = new Params();
  const r = await c.pool.query(
    queueCountSql(filter, cap, (v) => p.add(v)),
    p.values,
  );
  return Number((r.rows[0] as Row).n);
}

export async function listQueue(
  c: Postgres,
  filter: QueueFilter,
  after: QueueCursor | null,
  limit: number,
): Promise<QueuedCopy[]> {
  const p = new Params();
  const r = await c.pool.query(
    queueListSql(filter, after, limit, (v) => p.add(v)),
    p.values,
  );
  return (r.rows as Row[]).map((row) => toQueuedCopy(row, filter.state));
}

async function select(
  t: Queryable,
  selector: CopySelector,
  states: readonly string[],
): Promise<{ rows: Row[]; more: boolean }> {
  const p = new Params();
  const sql = `${queueSelectSql(selector, states, QUEUE_ACTION_BATCH + 1, (v) => p.add(v))} FOR UPDATE OF d`;
  const rows = (await t.query(sql, p.values)).rows as Row[];
  return { rows: rows.slice(0, QUEUE_ACTION_BATCH), more: rows.length > QUEUE_ACTION_BATCH };
}

export async function redriveCopies(
  c: Postgres,
  selector: CopySelector,
  now: number,
  operatorId: string,
): Promise<QueueActionResult> {
  return transaction(c.pool, async (t) => {
    const { rows, more } = await select(t, selector, ['held', 'dead']);
    if (rows.length === 0) return { changed: 0, more: false };
    const ids = rows.map((r) => Number(r.id));
    await t.query(queueJournalSql('SELECT unnest($1::bigint[])', '$2::bigint', "'Redriven'", '$3::text'), [
      ids,
      now,
      `redriven by operator ${operatorId}`,
    ]);
    await t.query(
      `UPDATE deliveries SET state = 'pending', first_failure_at = NULL, next_attempt_at = $2 WHERE id = ANY($1::bigint[])`,
      [ids, now],
    );
    const keys = [...new Set(rows.map((r) => endpointKey(String(r.recipient_id), String(r.channel), String(r.role))))];
    const parts = keys.sort().map((k) => k.split('\u0000'));
    await t.query(
      `UPDATE endpoints e SET next_due_at = $4, breaker = $5 FROM unnest($1::text[], $2::text[], $3::text[]) AS k(r, c, o)
         WHERE e.recipient_id = k.r AND e.channel = k.c AND e.role = k.o`,
      [parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => p[2]), now, JSON.stringify(CLOSED)],
    );
    await notifyDue(t);
    return { changed: rows.length, more };
  });
}
