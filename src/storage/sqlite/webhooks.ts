/** Webhooks on SQLite: one per recipient, channel and role; saving one wakes the copies that waited for it. */
import type { WebhookConfig } from '../../domain/delivery.js';
import { recipientChannels, toWebhook, type Row } from '../rows.js';
import { immediate, statement, type Sqlite } from './context.js';

const ofRecipient = statement('SELECT * FROM webhooks WHERE recipient_id = ? AND channel = ? ORDER BY role');
const save = statement(
  `INSERT INTO webhooks (recipient_id, channel, role, callback_url, max_message_count, max_payload_kb, configured_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (recipient_id, channel, role) DO UPDATE SET callback_url = excluded.callback_url, max_message_count = excluded.max_message_count,
           max_payload_kb = excluded.max_payload_kb, configured_by = excluded.configured_by, updated_at = excluded.updated_at`,
);
// Copies that waited for a webhook are due now (an endpoint the new webhook does not serve parks again).
const wake = statement(
  `UPDATE endpoints SET next_due_at = ? WHERE recipient_id = ? AND channel = ?
           AND EXISTS (SELECT 1 FROM deliveries WHERE state = 'pending' AND recipient_id = ? AND channel = ?)`,
);
const remove = statement(
  'DELETE FROM webhooks WHERE recipient_id = ? AND channel = ? AND role IN (SELECT value FROM json_each(?))',
);

export async function webhooks(c: Sqlite, recipientId: string, channel: string): Promise<WebhookConfig[]> {
  return (ofRecipient(c).all(recipientId, channel) as Row[]).map(toWebhook);
}

export async function saveWebhooks(c: Sqlite, configs: WebhookConfig[], now: number): Promise<void> {
  immediate(c, () => {
    for (const w of configs)
      save(c).run(
        w.recipientId,
        w.channel,
        w.role,
        w.callbackUrl,
        w.maxMessageCount,
        w.maxPayloadKb,
        w.configuredBy,
        now,
      );
    for (const { recipientId, channel } of recipientChannels(configs))
      wake(c).run(now, recipientId, channel, recipientId, channel);
  });
}

export async function deleteWebhooks(
  c: Sqlite,
  recipientId: string,
  channel: string,
  roles: string[],
): Promise<number> {
  return remove(c).run(recipientId, channel, JSON.stringify(roles)).changes;
}
