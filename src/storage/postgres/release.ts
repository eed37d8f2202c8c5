/**
 * An operator's release on PostgreSQL: held and pending copies of endpoints no runner holds end dead, each
 * journaled `Released`, and each message copy's sender is told in a status message, all in one transaction
 * of at most QUEUE_ACTION_BATCH copies. The copies and their endpoints are locked in index order: a runner's
 * claim waits for the release (and then finds nothing pending), and a release waits for a claim (and then
 * skips the endpoint). A kill -9 leaves the batch released with its notices, or untouched.
 */
import { QUEUE_ACTION_BATCH, type CopySelector, type QueueActionResult } from '../../domain/queue.js';
import { RELEASED_STATE, type ReleaseNotice } from '../../domain/release.js';
import { queueJournalSql } from '../queue-sql.js';
import { releaseSelectSql } from '../release-sql.js';
import { toMessage, type Row } from '../rows.js';
import { notifyDue } from './due.js';
import { Params, transaction, type Postgres } from './pool.js';
import { queueStatus } from './status.js';

export async function releaseCopies(
  c: Postgres,
  selector: CopySelector,
  now: number,
  operatorId: string,
  notice: ReleaseNotice,
): Promise<QueueActionResult> {
  return transaction(c.pool, async (t) => {
    const p = new Params();
    const sql = `${releaseSelectSql(selector, QUEUE_ACTION_BATCH + 1, (v) => p.add(v))} FOR UPDATE OF d, e`;
    const found = (await t.query(sql, p.values)).rows as Row[];
    const rows = found.slice(0, QUEUE_ACTION_BATCH);
    if (rows.length === 0) return { changed: 0, more: false };
    const ids = rows.map((r) => Number(r.id));
    const reason = `released by operator ${operatorId}`;
    await t.query(queueJournalSql('SELECT unnest($1::bigint[])', '$2::bigint', "'Released'", '$3::text'), [
      ids,
      now,
      reason,
    ]);
    await t.query(
      `UPDATE deliveries SET state = '${RELEASED_STATE}', next_attempt_at = $2, last_error = $3 WHERE id = ANY($1::bigint[])`,
      [ids, now, reason],
    );
    const seqs = rows.filter((r) => r.kind === 'message').map((r) => Number(r.item_seq));
    const messages = new Map(
      ((await t.query('SELECT * FROM messages WHERE seq = ANY($1::bigint[])', [seqs])).rows as Row[]).map((r) => [
        Number(r.seq),
        toMessage(r),
      ]),
    );
    const notices = rows
      .filter((r) => r.kind === 'message')
      .map((r) => {
        const m = messages.get(Number(r.item_seq))!;
        const item = notice(m, String(r.recipient_id), String(r.role));
        return { recipientId: m.senderId, role: m.senderRole, messageSeq: m.seq, item };
      });
    await queueStatus(t, notices, now);
    if (notices.length > 0) await notifyDue(t);
    return { changed: rows.length, more: found.length > QUEUE_ACTION_BATCH };
  });
}
