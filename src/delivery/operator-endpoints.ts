/**
 * The operator's view of delivery endpoints (GET /{version}/admin/endpoints): the query as the store's
 * filter, strictly parsed, and each endpoint as the operator reads it.
 */
import {
  BREAKER_STATES,
  decodeEndpointCursor,
  encodeEndpointCursor,
  ENDPOINT_PENDING_CAP,
  MAX_ENDPOINT_PAGE,
  type BreakerState,
  type EndpointCursor,
  type EndpointFilter,
  type EndpointView,
} from '../domain/endpoint-view.js';
import type { QueueStore } from '../storage/ports.js';

type Parsed<T> = { ok: true; value: T } | { ok: false; help: string };
const KEYS = ['recipient', 'channel', 'role', 'breaker', 'after', 'limit'];

export interface EndpointListing {
  filter: EndpointFilter;
  after: EndpointCursor | null;
  limit: number;
}

export function endpointListingFrom(query: Record<string, unknown>): Parsed<EndpointListing> {
  const extra = Object.keys(query).filter((k) => !KEYS.includes(k));
  if (extra.length > 0)
    return { ok: false, help: `unknown parameter(s) ${extra.join(', ')}; known: ${KEYS.join(', ')}` };
  const texts = KEYS.map((k) => query[k]);
  if (texts.some((v) => v !== undefined && typeof v !== 'string')) {
    return { ok: false, help: `${KEYS.join(', ')} are each given once` };
  }
  const [recipient, channel, role, breaker, after, limitText] = texts as (string | undefined)[];
  if (breaker !== undefined && !(BREAKER_STATES as readonly string[]).includes(breaker)) {
    return { ok: false, help: `breaker must be one of ${BREAKER_STATES.join(', ')}` };
  }
  const cursor = after === undefined ? null : decodeEndpointCursor(after);
  if (after !== undefined && cursor === null) return { ok: false, help: 'after is the `next` of a previous page' };
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_ENDPOINT_PAGE) {
    return { ok: false, help: `limit is 1 to ${MAX_ENDPOINT_PAGE}` };
  }
  const filter: EndpointFilter = {
    recipientId: recipient ?? null,
    channel: channel?.toUpperCase() ?? null,
    role: role?.toUpperCase() ?? null,
    breaker: (breaker as BreakerState | undefined) ?? null,
  };
  return { ok: true, value: { filter, after: cursor, limit } };
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

const shown = (e: EndpointView) => ({
  recipientId: e.recipientId,
  channel: e.channel,
  role: e.role === '' ? null : e.role,
  breaker: e.breaker.state,
  breakerUntil: e.breaker.state === 'open' ? iso(e.breaker.until) : null,
  nextAttemptAt: iso(e.nextDueAt),
  leased: e.leased,
  webhook: e.webhook,
  // Parked: the runner found no webhook and set the endpoint aside until one is configured.
  waiting: e.nextDueAt === null && e.pending > 0,
  pending: Math.min(e.pending, ENDPOINT_PENDING_CAP),
  pendingAtLeast: e.pending > ENDPOINT_PENDING_CAP,
  lastStatus: e.lastStatus,
  lastError: e.lastError,
});

export async function listEndpoints(store: QueueStore, { filter, after, limit }: EndpointListing) {
  const rows = await store.listEndpoints(filter, after, limit);
  const last = rows.at(-1);
  const next = rows.length === limit && last ? encodeEndpointCursor([last.recipientId, last.channel, last.role]) : null;
  return { endpoints: rows.map(shown), next };
}
