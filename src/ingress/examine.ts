/**
 * One submitted message, examined: parsed from its slice of the body, its field names checked for
 * repeats, its schema selected by S0 and validated. Shared by the send API and /validate so that both
 * judge a message the same way.
 */
import type { Catalogue, JsonObject, LeafSchema } from '../catalogue/catalogue.js';
import type { MpanField } from '../catalogue/mpan-fields.js';
import { parseSur } from '../domain/ids.js';
import type { SenderBlock } from '../domain/model.js';
import { getProperty } from '../validation/canonical.js';
import { checkPayload } from '../validation/message.js';
import { checkReport } from '../validation/reports.js';
import type { SchemaRegistry } from '../validation/schemas.js';
import { countNames, payloadRange } from '../domain/json-array.js';

/** Where one element lies in the body, and how many field names the splitter saw written in it. */
export interface ElementRef {
  body: Buffer;
  start: number;
  end: number;
  names: number;
}

/** What a response may echo of a message's sender block: only values of the right shape. */
export interface Echo {
  sur: string | null;
  senderId: string | null;
  dcpId: string | null;
  /** S0.eventCode as sent, whatever the schema says of it. */
  eventCode: string | null;
}

export type Examined = Echo &
  (
    | { kind: 'unreadable'; problem: string }
    | { kind: 'interface'; help: string }
    /** `canonical`: the payload canonically spelled and where its MPANs are, once S0 selected a schema. */
    | {
        kind: 'schema';
        problems: string[];
        s1: unknown;
        canonical?: { payload: JsonObject; mpanFields: readonly MpanField[] };
      }
    /** `alone`: the element is `{"payload": …}` and nothing else. `payload` is canonically spelled. */
    | {
        kind: 'valid';
        leaf: LeafSchema;
        payload: JsonObject;
        s1: SenderBlock;
        asReceived: boolean;
        alone: boolean;
        element: ElementRef;
        mpanFields: readonly MpanField[];
      }
  );

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const tenChars = (v: unknown): string | null => (typeof v === 'string' && v.length === 10 ? v : null);

function echoOf(payload: unknown): Echo {
  const common = getProperty(payload, 'CommonBlock');
  const s1 = getProperty(common, 'S1');
  const sur = getProperty(s1, 'senderUniqueReference');
  const eventCode = getProperty(getProperty(common, 'S0'), 'eventCode');
  return {
    eventCode: typeof eventCode === 'string' ? eventCode : null,
    sur: typeof sur === 'string' && parseSur(sur) ? sur : null,
    senderId: tenChars(getProperty(s1, 'senderDIPID')),
    dcpId: tenChars(getProperty(s1, 'DIPConnectionProviderID')),
  };
}

const NO_ECHO: Echo = { sur: null, senderId: null, dcpId: null, eventCode: null };

export interface ExamineOptions {
  /** Every problem, not just the first (costlier: help texts and /validate). */
  explain: boolean;
  /** Also decode an ECS report's compressedReport and validate the report (a test environment's choice). */
  checkReports?: boolean;
  /** `CHANNEL|schemaVersion` pairs closed for ingress. */
  closed?: ReadonlySet<string>;
}

export function examineElement(
  catalogue: Catalogue,
  schemas: SchemaRegistry,
  channel: string,
  ref: ElementRef,
  index: number,
  how: ExamineOptions,
): Examined {
  let element: unknown;
  try {
    element = JSON.parse(ref.body.toString('utf8', ref.start, ref.end));
  } catch (e) {
    return { ...NO_ECHO, kind: 'unreadable', problem: `message ${index} is not valid JSON: ${(e as Error).message}` };
  }
  const payload = isObject(element) ? getProperty(element, 'payload') : undefined;
  if (!isObject(payload))
    return { ...NO_ECHO, kind: 'unreadable', problem: `message ${index} must be an object {"payload": {...}}` };
  const echo = echoOf(payload);
  // JSON.parse keeps the last of repeated names silently; a reader that keeps the first would see another message.
  if (countNames(element) !== ref.names) {
    return {
      ...echo,
      kind: 'schema',
      problems: ['a field name is repeated within one object; each name may appear once'],
      s1: undefined,
    };
  }
  const verdict = checkPayload(catalogue, schemas, channel, payload, how.explain, how.closed);
  if (verdict.kind === 'interface') return { ...echo, kind: 'interface', help: verdict.help };
  if (verdict.kind === 'schema') {
    const s1 = getProperty(getProperty(payload, 'CommonBlock'), 'S1');
    return verdict.canonical
      ? { ...echo, kind: 'schema', problems: verdict.problems, s1, canonical: verdict.canonical }
      : { ...echo, kind: 'schema', problems: verdict.problems, s1 };
  }
  const s1 = (verdict.payload.CommonBlock as JsonObject).S1 as SenderBlock;
  if (how.checkReports) {
    const report = checkReport(catalogue, schemas, verdict.leaf, verdict.payload);
    if (report.kind === 'problem') return { ...echo, kind: 'schema', problems: report.problems, s1 };
  }
  const alone = Object.keys(element as object).length === 1;
  // Spelled out: V8 gives `{ ...echo, more }` objects no shared shape, which costs every message microseconds.
  return {
    sur: echo.sur,
    senderId: echo.senderId,
    dcpId: echo.dcpId,
    eventCode: echo.eventCode,
    kind: 'valid',
    leaf: verdict.leaf,
    payload: verdict.payload,
    s1,
    asReceived: verdict.asReceived,
    alone,
    element: ref,
    mpanFields: verdict.mpanFields,
  };
}

/**
 * The bytes to archive: the payload exactly as the sender wrote and signed it (a view into the body, no
 * copy) when its names were already canonical, else its canonical re-serialisation.
 */
export function archiveBytes(valid: Extract<Examined, { kind: 'valid' }>): Buffer {
  if (!valid.asReceived || !valid.alone) return Buffer.from(JSON.stringify(valid.payload));
  const { from, to } = payloadRange(valid.element.body, valid.element.start, valid.element.end);
  return valid.element.body.subarray(from, to);
}
