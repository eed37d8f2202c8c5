/**
 * The waiting sweep on SQLite: copies of parked endpoints past the cutoff tell their sender once. One write
 * transaction per batch marks the copies told, queues the status messages, journals them and moves each
 * endpoint's mark: a kill -9 leaves the batch told and marked, or neither (told again by the next sweep).
 */
import { WAITING_SWEEP_BATCH, type WaitingSweepResult } from '../../domain/waiting.js';
import type { CopyNotice } from '../../domain/release.js';
import { queueJournalSql } from '../queue-sql.js';
import { toMessage, type Row } from '../rows.js';
import { marksOf, waitingSweepSql } from '../waiting-sql.js';
import { immediate, namedParams, statement, type Sqlite } from './context.js';
import { queueStatus } from './status.js';

const mark = statement(
  `UPDATE deliveries SET waiting_noticed_at = @now WHERE id IN (SELECT value FROM json_each(@ids))`,
);
const swept = statement(
  `UPDATE endpoints SET waiting_swept_at = @at, waiting_swept_id = @id
     WHERE recipient_id = @recipient AND channel = @channel AND role = @role`,
);
const messageOf = statement('SELECT * FROM messages WHERE seq = ?');

export async function noticeWaitingCopies(
  c: Sqlite,
  cutoff: number,
  now: number,
  reason: string,
  notice: CopyNotice,
): Promise<WaitingSweepResult> {
  return immediate(c, () => {
    const { param, values } = namedParams();
    const rows = c.db.prepare(waitingSweepSql(cutoff, WAITING_SWEEP_BATCH, param)).all(values) as Row[];
    // Status copies are walked past but not told about: a status message about a status message never ends.
    const told = rows.filter((r) => r.kind === 'message' && r.waiting_noticed_at === null);
    if (told.length > 0) {
      const ids = JSON.stringify(told.map((r) => Number(r.id)));
      mark(c).run({ ids, now });
      c.db
        .prepare(queueJournalSql('SELECT value FROM json_each(@ids)', '@now', "'WaitingForWebhook'", '@reason'))
        .run({ ids, now, reason });
      queueStatus(
        c,
        told.map((r) => {
          const m = toMessage(messageOf(c).get(Number(r.item_seq)) as Row);
          const item = notice(m, String(r.recipient_id), String(r.role));
          return { recipientId: m.senderId, role: m.senderRole, messageSeq: m.seq, item };
        }),
        now,
      );
    }
    for (const m of marksOf(rows)) swept(c).run(m);
    return { noticed: told.length, more: rows.length === WAITING_SWEEP_BATCH };
  });
}
