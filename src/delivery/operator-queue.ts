/**
 * The operator's use of the delivery queue (GET/POST /{version}/admin/deliveries...): what a query or a
 * request body asks for, as the store's filters and selectors, and the answers. Parsing is strict: an
 * operator's typo must not widen a redrive to copies it did not mean.
 */
import { STATUS_CHANNEL } from '../domain/delivery.js';
import { parseJsonBody } from '../domain/json.js';
import {
  cursorOf,
  decodeQueueCursor,
  encodeQueueCursor,
  MAX_QUEUE_PAGE,
  QUEUE_COUNT_CAP,
  QUEUE_STATES,
  type CopySelector,
  type QueueCursor,
  type QueuedCopy,
  type QueueFilter,
  type QueueState,
} from '../domain/queue.js';
import type { QueueStore } from '../storage/ports.js';

type Parsed<T> = { ok: true; value: T } | { ok: false; help: string };
const FILTER_KEYS = ['state', 'recipient', 'role', 'channel', 'olderThanMinutes'];

/** A filter from query parameters or a body's members; `states` are those the caller may ask for. */
function filterOf(
  fields: Record<string, unknown>,
  now: number,
  states: readonly QueueState[],
  defaultState: QueueState | null,
): Parsed<QueueFilter> {
  const text = (k: string): string | null | undefined => {
    const v = fields[k];
    if (v === undefined || v === null) return null;
    return typeof v === 'string' ? v : undefined;
  };
  const state = text('state') ?? defaultState;
  if (!state || !(states as readonly string[]).includes(state)) {
    return { ok: false, help: `state must be one of ${states.join(', ')}` };
  }
  const [recipientId, role, channel] = [text('recipient'), text('role'), text('channel')];
  if (recipientId === undefined || role === undefined || channel === undefined) {
    return { ok: false, help: 'recipient, role and channel are strings, each given once' };
  }
  // Status copies are kept under the role the recipient sent in, on the STATUS channel: role STATUS names them all.
  const statusRole = role?.toUpperCase() === STATUS_CHANNEL;
  if (statusRole && channel !== null && channel.toUpperCase() !== STATUS_CHANNEL) {
    return { ok: false, help: 'role STATUS names the status messages, on channel STATUS: give one or the other' };
  }
  const age = fields.olderThanMinutes;
  const minutes = age === undefined || age === null ? null : Number(age);
  if (minutes !== null && (!Number.isSafeInteger(minutes) || minutes < 0)) {
    return { ok: false, help: 'olderThanMinutes is a whole number of minutes' };
  }
  return {
    ok: true,
    value: {
      state: state as QueueState,
      recipientId,
      role: role === null || statusRole ? null : role.toUpperCase(),
      channel: statusRole ? STATUS_CHANNEL : (channel?.toUpperCase() ?? null),
      createdBefore: minutes === null ? null : now - minutes * 60_000,
    },
  };
}

function unknownKeys(fields: Record<string, unknown>, allowed: string[]): string | null {
  const extra = Object.keys(fields).filter((k) => !allowed.includes(k));
  return extra.length > 0 ? `unknown parameter(s) ${extra.join(', ')}; known: ${allowed.join(', ')}` : null;
}

export interface QueueListing {
  filter: QueueFilter;
  after: QueueCursor | null;
  limit: number;
}

export function listingFrom(query: Record<string, unknown>, now: number): Parsed<QueueListing> {
  const extra = unknownKeys(query, [...FILTER_KEYS, 'after', 'limit']);
  if (extra) return { ok: false, help: extra };
  const filter = filterOf(query, now, QUEUE_STATES, null);
  if (!filter.ok) return filter;
  const after = typeof query.after === 'string' ? decodeQueueCursor(query.after) : null;
  if (query.after !== undefined && after === null) return { ok: false, help: 'after is the `next` of a previous page' };
  const limit = query.limit === undefined ? 100 : Number(query.limit);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUEUE_PAGE) {
    return { ok: false, help: `limit is 1 to ${MAX_QUEUE_PAGE}` };
  }
  return { ok: true, value: { filter: filter.value, after, limit } };
}

export async function countCopies(store: QueueStore, filter: QueueFilter) {
  const n = await store.countQueue(filter, QUEUE_COUNT_CAP);
  return { state: filter.state, count: Math.min(n, QUEUE_COUNT_CAP), atLeast: n > QUEUE_COUNT_CAP };
}

const shown = (c: QueuedCopy) => ({
  ...c,
  role: c.role === '' ? null : c.role,
  createdAt: new Date(c.createdAt).toISOString(),
  nextAttemptAt: new Date(c.nextAttemptAt).toISOString(),
});

export async function listCopies(store: QueueStore, { filter, after, limit }: QueueListing) {
  const copies = await store.listQueue(filter, after, limit);
  const next = copies.length === limit ? encodeQueueCursor(cursorOf(copies.at(-1)!)) : null;
  return { copies: copies.map(shown), next };
}

/**
 * The copies a redrive or release body names: `{"ids": [...]}`, or a filter of the states the action
 * takes (`state` omitted: all of them, in turn).
 */
export function selectorsFrom(body: Buffer, now: number, states: readonly QueueState[]): Parsed<CopySelector[]> {
  const parsed = parseJsonBody(body);
  if (!parsed.ok) return { ok: false, help: parsed.problem };
  const v = parsed.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return { ok: false, help: 'the body is a JSON object: {"ids": [...]} or a filter' };
  }
  const fields = v as Record<string, unknown>;
  if ('ids' in fields) {
    const ids = fields.ids;
    if (Object.keys(fields).length !== 1 || !Array.isArray(ids) || ids.length === 0 || ids.length > MAX_QUEUE_PAGE) {
      return { ok: false, help: `ids is a list of 1 to ${MAX_QUEUE_PAGE} copy ids, on its own` };
    }
    if (!ids.every((id) => Number.isSafeInteger(id))) return { ok: false, help: 'copy ids are whole numbers' };
    return { ok: true, value: [{ ids: ids as number[] }] };
  }
  const extra = unknownKeys(fields, FILTER_KEYS);
  if (extra) return { ok: false, help: extra };
  if (!fields.recipient) {
    return {
      ok: false,
      help: 'a filter names at least its recipient (all of one endpoint: recipient, channel and role)',
    };
  }
  const out: CopySelector[] = [];
  for (const state of fields.state === undefined ? states : [fields.state as QueueState]) {
    const filter = filterOf({ ...fields, state }, now, states, null);
    if (!filter.ok) return filter;
    out.push({ filter: filter.value });
  }
  return { ok: true, value: out };
}

/** One batch per selector per call; `more` tells the caller to ask again. */
export async function redrive(store: QueueStore, selectors: CopySelector[], now: number, operatorId: string) {
  let redriven = 0;
  let more = false;
  for (const s of selectors) {
    const r = await store.redriveCopies(s, now, operatorId);
    redriven += r.changed;
    more ||= r.more;
  }
  return { redriven, more };
}
