/**
 * Webhook registration (2.2.1 facts §3.2, §3.8, §8): a participant, or its DIP Connection Provider, tells
 * the DIP where to push a channel's publications or its status messages. Pure parsing of WebhookConfig.
 */
import { parseJsonBody } from '../domain/json.js';

/** Seed §4.6.3: "Initially the maximum number of records sent in a single call will be set to 50,000". */
export const DEFAULT_MAX_MESSAGE_COUNT = 50_000;
/** The published example's value, in KB. */
export const DEFAULT_MAX_PAYLOAD_KB = 100_000;
export { STATUS_CHANNEL } from '../storage/ports.js';

export type ParsedWebhook =
  | { ok: true; callbackUrl: string; maxMessageCount: number; maxPayloadKb: number }
  | { ok: false; help: string };

export function parseWebhookConfig(body: Buffer): ParsedWebhook {
  const json = parseJsonBody(body);
  if (!json.ok) {
    return { ok: false, help: `the body must be a WebhookConfig JSON object: {"callbackURL": "https://…", "maxMessageCount": 100, "maxPayloadSize": 100000}; it is ${json.problem}` };
  }
  const config = json.value;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return { ok: false, help: 'the body must be a WebhookConfig JSON object' };
  const c = config as Record<string, unknown>;
  const url = c.callbackURL;
  let parsed: URL | null = null;
  try {
    parsed = typeof url === 'string' ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    return { ok: false, help: `callbackURL must be an absolute https:// (or http://) URL, not ${JSON.stringify(url ?? null)}` };
  }
  const count = c.maxMessageCount ?? DEFAULT_MAX_MESSAGE_COUNT;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > DEFAULT_MAX_MESSAGE_COUNT) {
    return { ok: false, help: `maxMessageCount must be a whole number from 1 to ${DEFAULT_MAX_MESSAGE_COUNT}` };
  }
  const size = c.maxPayloadSize ?? DEFAULT_MAX_PAYLOAD_KB;
  if (typeof size !== 'number' || !(size >= 1) || size > 4 * 1024 * 1024) {
    return { ok: false, help: 'maxPayloadSize is in KB and must be a number from 1 to 4194304' };
  }
  return { ok: true, callbackUrl: parsed.href, maxMessageCount: count, maxPayloadKb: Math.floor(size) };
}
