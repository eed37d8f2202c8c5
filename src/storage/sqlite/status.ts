/** Status messages on SQLite: each queued with its copy, due now on the recipient's STATUS endpoint. */
import type { NewStatusMessage } from '../../domain/archive.js';
import { STATUS_CHANNEL } from '../../domain/delivery.js';
import type { DeliveryStore } from '../ports.js';
import { toStatusState, type Row } from '../rows.js';
import { immediate, statement, type Sqlite } from './context.js';
import { insertDelivery, touchEndpoint } from './deliveries.js';

const insertStatus = statement(
  'INSERT INTO status_messages (recipient_id, role, message_seq, item, created_at) VALUES (?, ?, ?, ?, ?)',
);
const statusesAbout = statement(
  `SELECT s.*, d.state, d.last_attempt_at, d.last_status FROM status_messages s
         JOIN deliveries d ON d.kind = 'status' AND d.item_seq = s.id AND d.requeue_id IS NULL WHERE s.message_seq = ? ORDER BY s.id`,
);

/** Inside the caller's transaction. */
export function queueStatus(c: Sqlite, messages: NewStatusMessage[], now: number): void {
  for (const s of messages) {
    const id = Number(
      insertStatus(c).run(s.recipientId, s.role, s.messageSeq, JSON.stringify(s.item), now).lastInsertRowid,
    );
    insertDelivery(c).run('status', id, s.recipientId, s.role, STATUS_CHANNEL, now, now, null);
    touchEndpoint(c).run(s.recipientId, STATUS_CHANNEL, s.role, now);
  }
}

export async function addStatusMessages(c: Sqlite, messages: NewStatusMessage[], now: number): Promise<void> {
  immediate(c, () => queueStatus(c, messages, now));
}

export async function statusMessagesOf(c: Sqlite, seq: number): ReturnType<DeliveryStore['statusMessagesOf']> {
  return (statusesAbout(c).all(seq) as Row[]).map(toStatusState);
}
