/**
 * The waiting sweep on PostgreSQL: copies of parked endpoints past the cutoff tell their sender once. One
 * transaction per batch, its copies and endpoints locked (a runner's claim waits; a concurrent sweep on
 * another node skips nothing twice because the copy's mark is read under the lock), marks the copies told,
 * queues the status messages, journals them and moves each endpoint's mark: a kill -9 leaves all or none.
 */
import { WAITING_SWEEP_BATCH, type WaitingSweepResult } from '../../domain/waiting.js';
import type { CopyNotice } from '../../domain/release.js';
import { queueJournalSql } from '../queue-sql.js';
import { toMessage, type Row } from '../rows.js';
import { marksOf, waitingSweepSql } from '../waiting-sql.js';
import { notifyDue } from './due.js';
import { Params, transaction, type Postgres } from './pool.js';
import { queueStatus } from './status.js';

export async function noticeWaitingCopies(
  c: Postgres,
  cutoff: number,
  now: number,
  reason: string,
  notice: CopyNotice,
): Promise<WaitingSweepResult> {
  return transaction(c.pool, async (t) => {
    const p = new Params();
    const sql = `${waitingSweepSql(cutoff, WAITING_SWEEP_BATCH, (v) => p.add(v))} FOR UPDATE OF d, e`;
    const rows = (await t.query(sql, p.values)).rows as Row[];
    const told = rows.filter((r) => r.kind === 'message' && r.waiting_noticed_at === null);
    if (told.length > 0) {
      const ids = told.map((r) => Number(r.id));
      await t.query('UPDATE deliveries SET waiting_noticed_at = $2 WHERE id = ANY($1::bigint[])', [ids, now]);
      await t.query(queueJournalSql('SELECT unnest($1::bigint[])', '$2::bigint', "'WaitingForWebhook'", '$3::text'), [
        ids,
        now,
        reason,
      ]);
      const seqs = told.map((r) => Number(r.item_seq));
      const found = (await t.query('SELECT * FROM messages WHERE seq = ANY($1::bigint[])', [seqs])).rows as Row[];
      const messages = new Map(found.map((r) => [Number(r.seq), toMessage(r)]));
      await queueStatus(
        t,
        told.map((r) => {
          const m = messages.get(Number(r.item_seq))!;
          const item = notice(m, String(r.recipient_id), String(r.role));
          return { recipientId: m.senderId, role: m.senderRole, messageSeq: m.seq, item };
        }),
        now,
      );
      await notifyDue(t);
    }
    const marks = marksOf(rows).sort((a, b) =>
      `${a.recipient}\u0000${a.channel}\u0000${a.role}`.localeCompare(
        `${b.recipient}\u0000${b.channel}\u0000${b.role}`,
      ),
    );
    for (const m of marks) {
      await t.query(
        `UPDATE endpoints SET waiting_swept_at = $4, waiting_swept_id = $5
           WHERE recipient_id = $1 AND channel = $2 AND role = $3`,
        [m.recipient, m.channel, m.role, m.at, m.id],
      );
    }
    return { noticed: told.length, more: rows.length === WAITING_SWEEP_BATCH };
  });
}
