/** Status messages on PostgreSQL: each queued with its copy, due now on the recipient's STATUS endpoint. */
import type { NewStatusMessage } from '../../domain/archive.js';
import { STATUS_CHANNEL } from '../../domain/delivery.js';
import type { DeliveryStore } from '../ports.js';
import { toStatusState, type Row } from '../rows.js';
import { endpointKey, touchEndpoints } from './deliveries.js';
import { notifyDue } from './due.js';
import { transaction, type Postgres, type Queryable } from './pool.js';

export async function queueStatus(t: Queryable, messages: NewStatusMessage[], now: number): Promise<void> {
  if (messages.length === 0) return;
  // Ids first, so each status message's copy names it whatever order the insert takes.
  const ids = (
    await t.query<{ id: number }>(`SELECT nextval('status_messages_id_seq') AS id FROM generate_series(1, $1::int)`, [
      messages.length,
    ])
  ).rows.map((r) => r.id);
  await t.query(
    `INSERT INTO status_messages (id, recipient_id, role, message_seq, item, created_at)
     SELECT * , $6::bigint FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[])`,
    [
      ids,
      messages.map((m) => m.recipientId),
      messages.map((m) => m.role),
      messages.map((m) => m.messageSeq),
      messages.map((m) => JSON.stringify(m.item)),
      now,
    ],
  );
  await t.query(
    `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at)
     SELECT 'status', i, r, o, '${STATUS_CHANNEL}', 'pending', $4::bigint, $4::bigint FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(i, r, o)`,
    [ids, messages.map((m) => m.recipientId), messages.map((m) => m.role), now],
  );
  await touchEndpoints(
    t,
    messages.map((m) => endpointKey(m.recipientId, STATUS_CHANNEL, m.role)),
    now,
  );
}

export async function addStatusMessages(c: Postgres, messages: NewStatusMessage[], now: number): Promise<void> {
  await transaction(c.pool, async (t) => {
    await queueStatus(t, messages, now);
    if (messages.length > 0) await notifyDue(t);
  });
}

export async function statusMessagesOf(c: Postgres, seq: number): ReturnType<DeliveryStore['statusMessagesOf']> {
  const r = await c.pool.query(
    `SELECT s.*, d.state, d.last_attempt_at, d.last_status FROM status_messages s
         JOIN deliveries d ON d.kind = 'status' AND d.item_seq = s.id AND d.requeue_id IS NULL WHERE s.message_seq = $1 ORDER BY s.id`,
    [seq],
  );
  return (r.rows as Row[]).map(toStatusState);
}
