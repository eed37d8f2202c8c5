/**
 * The journal entries of a requeue made on a participant's behalf, written once for both backends: one
 * `Requeued` entry per copy the requeue made, on the message the copy carries or, for a status message, on
 * the message it is about, so the message's journal (delivery status, audit) shows who sent it again.
 */

/** `requeue`, `at` and `reason` are the dialect's placeholders for the requeue id, the time and the reason. */
export function requeueJournalSql(requeue: string, at: string, reason: string): string {
  return `INSERT INTO journal (at, stage, status, status_code, message_seq, transaction_id, sur, channel, event_code, sender_id,
       mpan, correlation_id, recipient, role, message, reason, duration_ms)
    SELECT ${at}, CASE d.kind WHEN 'status' THEN 'StatusMessage' ELSE 'Outbound' END, 'Requeued', 0, m.seq, m.transaction_id,
      m.sur, d.channel, m.event_code, m.sender_id, m.mpan, m.correlation_id,
      d.recipient_id, CASE WHEN d.role = '' THEN NULL ELSE d.role END, NULL, ${reason}, 0
    FROM deliveries d
      LEFT JOIN status_messages s ON d.kind = 'status' AND s.id = d.item_seq
      LEFT JOIN messages m ON m.seq = CASE d.kind WHEN 'status' THEN s.message_seq ELSE d.item_seq END
    WHERE d.requeue_id = ${requeue}`;
}
