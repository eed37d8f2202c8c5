/**
 * The operator's queue on SQLite: counts and pages of copies by state, and redrive, each action one
 * write transaction of at most QUEUE_ACTION_BATCH copies.
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
import { immediate, namedParams, statement, type Sqlite } from './context.js';

const redrive = statement(
  `UPDATE deliveries SET state = 'pending', first_failure_at = NULL, next_attempt_at = @now
     WHERE id IN (SELECT value FROM json_each(@ids))`,
);
const reopen = statement(
  `UPDATE endpoints SET next_due_at = @now, breaker = @breaker
     WHERE recipient_id = @recipient AND channel = @channel AND role = @role`,
);

export async function countQueue(c: Sqlite, filter: QueueFilter, cap: number): Promise<number> {
  const { param, values } = namedParams();
  return Number((c.db.prepare(queueCountSql(filter, cap, param)).get(values) as Row).n);
}

export async function listQueue(
  c: Sqlite,
  filter: QueueFilter,
  after: QueueCursor | null,
  limit: number,
): Promise<QueuedCopy[]> {
  const { param, values } = namedParams();
  return (c.db.prepare(queueListSql(filter, after, limit, param)).all(values) as Row[]).map((r) =>
    toQueuedCopy(r, filter.state),
  );
}

/** Picks the copies an action takes, inside the caller's transaction. */
function select(c: Sqlite, selector: CopySelector, states: readonly string[]): { rows: Row[]; more: boolean } {
  const { param, values } = namedParams();
  const rows = c.db.prepare(queueSelectSql(selector, states, QUEUE_ACTION_BATCH + 1, param)).all(values) as Row[];
  return { rows: rows.slice(0, QUEUE_ACTION_BATCH), more: rows.length > QUEUE_ACTION_BATCH };
}

export async function redriveCopies(
  c: Sqlite,
  selector: CopySelector,
  now: number,
  operatorId: string,
): Promise<QueueActionResult> {
  return immediate(c, () => {
    const { rows, more } = select(c, selector, ['held', 'dead']);
    if (rows.length === 0) return { changed: 0, more: false };
    const ids = JSON.stringify(rows.map((r) => Number(r.id)));
    c.db
      .prepare(queueJournalSql('SELECT value FROM json_each(@ids)', '@now', "'Redriven'", '@reason'))
      .run({ ids, now, reason: `redriven by operator ${operatorId}` });
    redrive(c).run({ ids, now });
    const breaker = JSON.stringify(CLOSED);
    const seen = new Set<string>();
    for (const r of rows) {
      const key = `${r.recipient_id}\u0000${r.channel}\u0000${r.role}`;
      if (seen.has(key)) continue;
      seen.add(key);
      reopen(c).run({ now, breaker, recipient: r.recipient_id, channel: r.channel, role: r.role });
    }
    return { changed: rows.length, more };
  });
}
