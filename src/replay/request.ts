/**
 * The bodies of replay and requeue calls, checked against the published schemas (2.2.1 facts §7, §9):
 * MessageRequest's five keys are required but nullable; transactionIDs is optional, 1 to 100 ids;
 * StatusMessageRequest needs both times. Pure: the result is a query for the store, or what is wrong.
 */
import { STATUS_CHANNEL } from '../domain/delivery.js';
import { CORRELATION_PATTERN, SUR_PATTERN } from '../domain/ids.js';
import { mpanCoreProblem } from '../domain/mpan.js';
import type { MsgCode } from '../domain/responses.js';
import { parseDateTime } from '../domain/time.js';
import type { MessageFilter, StatusFilter } from '../domain/replay.js';
import { parseJsonBody } from '../domain/json.js';

export const MAX_TRANSACTION_IDS = 100;

/** A refusal is MSG1001 (not the schema's shape) unless it says otherwise. */
type Parsed<T> =
  { ok: true; filter: T; request: Record<string, unknown> } | { ok: false; help: string; code?: MsgCode };

function object(body: Buffer): Record<string, unknown> | string {
  const parsed = parseJsonBody(body);
  if (!parsed.ok) return `the body is ${parsed.problem}`;
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the body must be a JSON object';
  return value as Record<string, unknown>;
}

/** A DT-003 date-time, null, or what is wrong with it. */
function dateTime(v: unknown, name: string, nullable: boolean): number | null | string {
  if (v === null && nullable) return null;
  if (typeof v !== 'string')
    return `${name} must be a date-time like 2026-11-28T00:00:00+00:00${nullable ? ' or null' : ''}`;
  const ms = parseDateTime(v);
  return ms ?? `${name} '${v}' is not a date-time like 2026-11-28T00:00:00+00:00`;
}

function text(v: unknown, name: string, pattern: RegExp, example: string): string | null | { problem: string } {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || !pattern.test(v))
    return { problem: `${name} must be ${example} or null, not ${JSON.stringify(v)}` };
  return v;
}

export function parseMessageRequest(body: Buffer): Parsed<MessageFilter> {
  const o = object(body);
  if (typeof o === 'string') return { ok: false, help: `MessageRequest: ${o}` };
  const missing = ['datetimeFrom', 'datetimeTo', 'eventCode', 'MPAN', 'version'].filter((k) => !(k in o));
  if (missing.length > 0)
    return { ok: false, help: `MessageRequest: ${missing.join(', ')} required (null where not wanted)` };
  const unknown = Object.keys(o).filter(
    (k) => !['datetimeFrom', 'datetimeTo', 'eventCode', 'MPAN', 'version', 'transactionIDs'].includes(k),
  );
  if (unknown.length > 0) return { ok: false, help: `MessageRequest: unknown field ${unknown.join(', ')}` };
  const from = dateTime(o.datetimeFrom, 'datetimeFrom', true);
  const to = dateTime(o.datetimeTo, 'datetimeTo', true);
  for (const v of [from, to]) if (typeof v === 'string') return { ok: false, help: `MessageRequest: ${v}` };
  if (typeof from === 'number' && typeof to === 'number' && from > to)
    return { ok: false, help: 'MessageRequest: datetimeFrom is after datetimeTo' };
  const eventCode = text(o.eventCode, 'eventCode', /^\[[A-Za-z0-9]+\]$/, 'an event code like [ActivePower]');
  const mpan = text(o.MPAN, 'MPAN', /^\d{13}$/, 'a 13-digit MPAN core');
  const version = text(o.version, 'version', /^[0-9A-Za-z.]{1,10}$/, 'a schema version like 011');
  for (const v of [eventCode, mpan, version])
    if (v !== null && typeof v === 'object') return { ok: false, help: `MessageRequest: ${v.problem}` };
  // 13 digits that are no MPAN core would match nothing: say so rather than answer an empty replay.
  const notMpan = typeof mpan === 'string' ? mpanCoreProblem(mpan) : null;
  if (notMpan)
    return {
      ok: false,
      code: 'MSG1039',
      help: `MessageRequest: MPAN '${String(mpan)}' is not a valid MPAN: ${notMpan}`,
    };
  let transactionIds: string[] | null = null;
  if (o.transactionIDs !== undefined && o.transactionIDs !== null) {
    const ids = o.transactionIDs;
    if (!Array.isArray(ids) || ids.length === 0)
      return { ok: false, help: 'MessageRequest: transactionIDs must be a non-empty array of DIP transaction ids' };
    if (ids.length > MAX_TRANSACTION_IDS)
      return { ok: false, help: `MessageRequest: at most ${MAX_TRANSACTION_IDS} transactionIDs, not ${ids.length}` };
    if (!ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 65)) {
      return {
        ok: false,
        help: 'MessageRequest: every transactionID must be a DIP transaction id of at most 65 characters',
      };
    }
    transactionIds = [...new Set(ids as string[])];
  }
  return {
    ok: true,
    request: o,
    filter: {
      from: from as number | null,
      to: to as number | null,
      eventCode: eventCode as string | null,
      mpan: mpan as string | null,
      schemaVersion: version as string | null,
      transactionIds,
    },
  };
}

export function parseStatusMessageRequest(body: Buffer): Parsed<StatusFilter> {
  const o = object(body);
  if (typeof o === 'string') return { ok: false, help: `StatusMessageRequest: ${o}` };
  const unknown = Object.keys(o).filter(
    (k) => !['datetimeFrom', 'datetimeTo', 'transactionID', 'senderUniqueReference', 'correlationID'].includes(k),
  );
  if (unknown.length > 0) return { ok: false, help: `StatusMessageRequest: unknown field ${unknown.join(', ')}` };
  const from = dateTime(o.datetimeFrom, 'datetimeFrom', false);
  const to = dateTime(o.datetimeTo, 'datetimeTo', false);
  for (const v of [from, to])
    if (typeof v === 'string') return { ok: false, help: `StatusMessageRequest: ${v} (both times are required)` };
  if ((from as number) > (to as number))
    return { ok: false, help: 'StatusMessageRequest: datetimeFrom is after datetimeTo' };
  const transactionId = text(o.transactionID, 'transactionID', /^.{1,65}$/, 'a DIP transaction id');
  const sur = text(o.senderUniqueReference, 'senderUniqueReference', SUR_PATTERN, 'a sender unique reference');
  const correlationId = text(
    o.correlationID,
    'correlationID',
    CORRELATION_PATTERN,
    'a correlation id like CI-20261128-ab12',
  );
  for (const v of [transactionId, sur, correlationId])
    if (v !== null && typeof v === 'object') return { ok: false, help: `StatusMessageRequest: ${v.problem}` };
  return {
    ok: true,
    request: o,
    filter: {
      from: from as number,
      to: to as number,
      transactionId: transactionId as string | null,
      senderUniqueReference: sur as string | null,
      correlationId: correlationId as string | null,
    },
  };
}

/**
 * The MessageRequest (or, on channel STATUS, StatusMessageRequest) body a form's fields stand for (the portal's
 * requeue form: empty fields left out), or what is wrong with them.
 */
export function requeueBody(fields: Record<string, string>): { body: Buffer } | { help: string } {
  const { channel, datetimeFrom = null, datetimeTo = null, MPAN = null, eventCode = null } = fields;
  if (channel === STATUS_CHANNEL) {
    if (MPAN !== null || eventCode !== null) {
      return { help: 'MPAN and event code choose channel messages; status messages are chosen by time only' };
    }
    if (datetimeFrom === null || datetimeTo === null) return { help: 'status messages need both From and To' };
    return { body: Buffer.from(JSON.stringify({ datetimeFrom, datetimeTo })) };
  }
  return { body: Buffer.from(JSON.stringify({ datetimeFrom, datetimeTo, eventCode, MPAN, version: null })) };
}
