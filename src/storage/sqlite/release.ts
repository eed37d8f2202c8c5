/**
 * An operator's release on SQLite: held and pending copies of endpoints no runner holds end dead, each
 * journaled `Released`, and each message copy's sender is told in a status message, all in one write
 * transaction of at most QUEUE_ACTION_BATCH copies. A kill -9 leaves the batch released with its notices,
 * or untouched: never a copy released without its notice, nor a notice for a copy still pending.
 */
import { QUEUE_ACTION_BATCH, type CopySelector, type QueueActionResult } from '../../domain/queue.js';
import { RELEASED_STATE, type ReleaseNotice } from '../../domain/release.js';
import { queueJournalSql } from '../queue-sql.js';
import { releaseSelectSql } from '../release-sql.js';
import { toMessage, type Row } from '../rows.js';
import { immediate, namedParams, statement, type Sqlite } from './context.js';
import { queueStatus } from './status.js';

const giveUp = statement(
  `UPDATE deliveries SET state = '${RELEASED_STATE}', next_attempt_at = @now, last_error = @reason
     WHERE id IN (SELECT value FROM json_each(@ids))`,
);
const messageOf = statement('SELECT * FROM messages WHERE seq = ?');

export async function releaseCopies(
  c: Sqlite,
  selector: CopySelector,
  now: number,
  operatorId: string,
  notice: ReleaseNotice,
): Promise<QueueActionResult> {
  return immediate(c, () => {
    const { param, values } = namedParams();
    const found = c.db.prepare(releaseSelectSql(selector, QUEUE_ACTION_BATCH + 1, param)).all(values) as Row[];
    const rows = found.slice(0, QUEUE_ACTION_BATCH);
    if (rows.length === 0) return { changed: 0, more: false };
    const ids = JSON.stringify(rows.map((r) => Number(r.id)));
    const reason = `released by operator ${operatorId}`;
    c.db
      .prepare(queueJournalSql('SELECT value FROM json_each(@ids)', '@now', "'Released'", '@reason'))
      .run({ ids, now, reason });
    giveUp(c).run({ ids, now, reason });
    const notices = rows
      .filter((r) => r.kind === 'message')
      .map((r) => {
        const m = toMessage(messageOf(c).get(Number(r.item_seq)) as Row);
        const item = notice(m, String(r.recipient_id), String(r.role));
        return { recipientId: m.senderId, role: m.senderRole, messageSeq: m.seq, item };
      });
    queueStatus(c, notices, now);
    return { changed: rows.length, more: found.length > QUEUE_ACTION_BATCH };
  });
}
