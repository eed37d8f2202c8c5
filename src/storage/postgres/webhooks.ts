/** Webhooks on PostgreSQL: one per recipient, channel and role; saving one wakes the copies that waited for it. */
import type { WebhookConfig } from '../../domain/delivery.js';
import { recipientChannels, toWebhook, type Row } from '../rows.js';
import { notifyDue } from './due.js';
import { transaction, type Postgres } from './pool.js';

export async function webhooks(c: Postgres, recipientId: string, channel: string): Promise<WebhookConfig[]> {
  const r = await c.pool.query('SELECT * FROM webhooks WHERE recipient_id = $1 AND channel = $2 ORDER BY role', [
    recipientId,
    channel,
  ]);
  return (r.rows as Row[]).map(toWebhook);
}

export async function saveWebhooks(c: Postgres, configs: WebhookConfig[], now: number): Promise<void> {
  await transaction(c.pool, async (t) => {
    for (const w of configs) {
      await t.query(
        `INSERT INTO webhooks (recipient_id, channel, role, callback_url, max_message_count, max_payload_kb, configured_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (recipient_id, channel, role) DO UPDATE SET callback_url = excluded.callback_url, max_message_count = excluded.max_message_count,
               max_payload_kb = excluded.max_payload_kb, configured_by = excluded.configured_by, updated_at = excluded.updated_at`,
        [w.recipientId, w.channel, w.role, w.callbackUrl, w.maxMessageCount, w.maxPayloadKb, w.configuredBy, now],
      );
    }
    let woken = 0;
    // Copies that waited for a webhook are due now (an endpoint the new webhook does not serve parks again).
    for (const w of recipientChannels(configs)) {
      woken +=
        (
          await t.query(
            `UPDATE endpoints SET next_due_at = $1 WHERE recipient_id = $2 AND channel = $3
               AND EXISTS (SELECT 1 FROM deliveries WHERE state = 'pending' AND recipient_id = $2 AND channel = $3)`,
            [now, w.recipientId, w.channel],
          )
        ).rowCount ?? 0;
    }
    if (woken > 0) await notifyDue(t);
  });
}

export async function deleteWebhooks(
  c: Postgres,
  recipientId: string,
  channel: string,
  roles: string[],
): Promise<number> {
  const r = await c.pool.query(
    'DELETE FROM webhooks WHERE recipient_id = $1 AND channel = $2 AND role = ANY($3::text[])',
    [recipientId, channel, roles],
  );
  return r.rowCount ?? 0;
}
