/**
 * Webhook registration (2.2.1 facts §3.2, §3.8, §8): a participant, or its DIP Connection Provider, tells
 * the DIP where to push a channel's publications or its status messages. Pure parsing of WebhookConfig,
 * and the choice of the webhook that serves a role.
 */
import { WHOLE } from '../domain/entitlement.js';
import { parseJsonBody } from '../domain/json.js';
import { isRole, ROLES } from '../domain/model.js';
import type { WebhookConfig } from '../domain/delivery.js';

/** Seed §4.6.3: "Initially the maximum number of records sent in a single call will be set to 50,000". */
export const DEFAULT_MAX_MESSAGE_COUNT = 50_000;
/** The published example's value, in KB. */
export const DEFAULT_MAX_PAYLOAD_KB = 100_000;

export type ParsedWebhook =
  { ok: true; callbackUrl: string; maxMessageCount: number; maxPayloadKb: number } | { ok: false; help: string };

export function parseWebhookConfig(body: Buffer): ParsedWebhook {
  const json = parseJsonBody(body);
  if (!json.ok) {
    return {
      ok: false,
      help: `the body must be a WebhookConfig JSON object: {"callbackURL": "https://…", "maxMessageCount": 100, "maxPayloadSize": 100000}; it is ${json.problem}`,
    };
  }
  const config = json.value;
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    return { ok: false, help: 'the body must be a WebhookConfig JSON object' };
  const c = config as Record<string, unknown>;
  const url = c.callbackURL;
  let parsed: URL | null = null;
  try {
    parsed = typeof url === 'string' ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    return {
      ok: false,
      help: `callbackURL must be an absolute https:// (or http://) URL, not ${JSON.stringify(url ?? null)}`,
    };
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

/**
 * The webhook that serves a recipient's copies in `role` on a channel: the one configured for that role,
 * while whoever configured it may still act for the recipient in it (a DCP whose grant was withdrawn
 * captures nothing more); otherwise the recipient's own channel-wide configuration. Pure.
 */
export function webhookFor(
  configs: readonly WebhookConfig[],
  role: string,
  mayActIn: (configuredBy: string, role: string) => boolean,
): WebhookConfig | null {
  const inForce = (r: string): WebhookConfig | undefined =>
    configs.find((c) => c.role === r && mayActIn(c.configuredBy, r));
  return (role === WHOLE ? undefined : inForce(role)) ?? inForce(WHOLE) ?? null;
}

export type ConfiguredRoles = { ok: true; roles: string[] } | { ok: false; status: 400 | 403; help: string };

/**
 * The roles a webhook call configures (or deletes), given the `role` query parameter (OpenDIP's addition;
 * absent in the published API) and the roles the caller acts in for the recipient: the role asked for; else
 * the recipient's own channel-wide configuration when it calls itself; else every role a DCP was assigned.
 * Pure.
 */
export function configuredRoles(
  asked: string | null,
  entitled: readonly string[],
  recipientId: string,
): ConfiguredRoles {
  if (asked === null || asked === '') return { ok: true, roles: entitled.includes(WHOLE) ? [WHOLE] : [...entitled] };
  const role = asked.toUpperCase();
  if (!isRole(role)) return { ok: false, status: 400, help: `role '${asked}' is not a DIP role (${ROLES.join(', ')})` };
  if (!entitled.includes(role)) {
    const own = entitled.filter((r) => r !== WHOLE);
    return {
      ok: false,
      status: 403,
      help: `you do not act for ${recipientId} in role ${role}; you may configure ${own.length > 0 ? own.join(', ') : 'no role'}`,
    };
  }
  return { ok: true, roles: [role] };
}
