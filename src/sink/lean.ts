/**
 * The facts of a call's items read straight from the bytes, for load tests: the sink acknowledges what it
 * cannot afford to parse.
 */
import { isUtf8 } from 'node:buffer';
import { splitJsonArray } from '../domain/json-array.js';
import type { CallKind } from './facts.js';
import { factsOf, type ItemFacts } from './facts.js';

const QUOTE = 0x22,
  BACKSLASH = 0x5c;
const space = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Where the value of the first member named by `key` (a quoted name) starts within body[start, end), read
 * without parsing: a match counts only where a name can stand (after `{` or `,`), so text inside other
 * strings is skipped. -1 when absent.
 */
function memberValue(body: Buffer, start: number, end: number, key: Buffer): number {
  // Searched within the item only: a name absent from it must not cost a scan of the rest of the body.
  const item = body.subarray(start, end);
  for (let rel = item.indexOf(key); rel >= 0; rel = item.indexOf(key, rel + 1)) {
    const at = start + rel;
    let before = at - 1;
    while (before >= start && space(body[before])) before--;
    if (body[before] !== 0x7b && body[before] !== 0x2c) continue;
    let i = at + key.length;
    while (space(body[i])) i++;
    if (body[i] !== 0x3a) continue;
    i++;
    while (space(body[i])) i++;
    return i;
  }
  return -1;
}

/** The member's string value; null for JSON null; undefined when absent or not a plain string. */
function memberString(body: Buffer, start: number, end: number, key: Buffer): string | null | undefined {
  const i = memberValue(body, start, end, key);
  if (i < 0) return undefined;
  if (body[i] === 0x6e) return null;
  if (body[i] !== QUOTE) return undefined;
  const close = body.indexOf(QUOTE, i + 1);
  if (close < 0 || close > end) return undefined;
  const value = body.subarray(i + 1, close);
  return value.includes(BACKSLASH) ? undefined : value.toString('utf8');
}

const FIRST = Buffer.from('[{"payload":');
const NEXT = Buffer.from(',{"payload":');

/**
 * Where the items are. The DIP writes message calls as `[{"payload":…},{"payload":…}]` with no spaces, and
 * `{"payload":` cannot occur inside a JSON string (its quotes would be escaped), so items are found with a
 * byte search; anything else goes through the full scan.
 */
function elementsOf(body: Buffer): ReturnType<typeof splitJsonArray> {
  if (!body.subarray(0, FIRST.length).equals(FIRST) || body[body.length - 1] !== 0x5d || !isUtf8(body))
    return splitJsonArray(body);
  const starts = [1];
  const ends: number[] = [];
  for (let at = body.indexOf(NEXT, 1); at >= 0; at = body.indexOf(NEXT, at + 1)) {
    ends.push(at);
    starts.push(at + 1);
  }
  ends.push(body.length - 1);
  return { ok: true, starts, ends, names: [] };
}

const KEYS = Object.fromEntries(
  [
    'transactionID',
    'senderUniqueReference',
    'initialCorrelationID',
    'senderCorrelationID',
    'correlationID',
    'senderDIPID',
    'senderID',
    'interfaceID',
    'payload',
  ].map((k) => [k, Buffer.from(`"${k}"`)]),
) as Record<string, Buffer>;

/**
 * Where the object opening at body[open] closes (one past its `}`), skipping strings; -1 if it does not within `end`.
 */
function objectEnd(body: Buffer, open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const c = body[i];
    if (c === QUOTE) {
      for (i++; i < end && body[i] !== QUOTE; i++) if (body[i] === BACKSLASH) i++;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

const COMMON = Buffer.from('{"payload":{"CommonBlock":{');

/** An item the bytes cannot answer for, parsed. */
function parsedFacts(body: Buffer, kind: CallKind, start: number, end: number, i: number): ItemFacts {
  try {
    return factsOf(kind, JSON.parse(body.toString('utf8', start, end)));
  } catch {
    return {
      transactionID: null,
      sur: null,
      correlationID: null,
      sender: null,
      channel: null,
      problem: { code: 'RCP1001', help: `element ${i} is not JSON` },
    };
  }
}

/** The item's facts read from body[start, itemEnd); null when the bytes cannot tell them for sure. */
function bytesFacts(body: Buffer, kind: CallKind, start: number, itemEnd: number): ItemFacts | null {
  let end = itemEnd;
  if (kind === 'messages') {
    if (!body.subarray(start, start + COMMON.length).equals(COMMON)) return null;
    end = objectEnd(body, start + COMMON.length - 1, itemEnd);
    if (end < 0) return null;
  }
  const get = (k: string): string | null | undefined => memberString(body, start, end, KEYS[k]!);
  const transactionID = get('transactionID');
  const fields =
    kind === 'messages'
      ? [
          transactionID,
          get('senderUniqueReference'),
          get('initialCorrelationID') ?? get('senderCorrelationID'),
          get('senderDIPID'),
          get('interfaceID'),
        ]
      : [transactionID, get('senderUniqueReference'), get('correlationID'), get('senderID'), null];
  if (fields.some((f) => f === undefined)) return null;
  const [txn, sur, correlationID, sender, channel] = fields as (string | null)[];
  const problem: ItemFacts['problem'] =
    kind === 'messages' && txn === null
      ? {
          code: 'RCP1043',
          help: 'CommonBlock.D0.transactionID is missing: the DIP fills D0 on every message it delivers',
        }
      : null;
  return {
    transactionID: txn!,
    sur: sur!,
    correlationID: correlationID!,
    sender: sender!,
    channel: channel!,
    problem,
  };
}

/**
 * The facts of every item, read without parsing the items (for load: a 10,000-message call is read in a
 * few milliseconds instead of half a second). A message's facts are looked for only inside its CommonBlock,
 * which must open the item, so names in the CustomBlock cannot be mistaken for them; an item the bytes
 * cannot answer for is parsed instead.
 */
export function leanFacts(
  body: Buffer,
): { ok: true; kind: CallKind; facts: ItemFacts[] } | { ok: false; problem: string } {
  const split = elementsOf(body);
  if (!split.ok) return { ok: false, problem: split.problem };
  if (split.starts.length === 0) return { ok: false, problem: 'the array is empty; the DIP sends at least one item' };
  const kind: CallKind =
    memberValue(body, split.starts[0]!, split.ends[0]!, KEYS.payload!) >= 0 ? 'messages' : 'status';
  const facts = split.starts.map(
    (start, i): ItemFacts =>
      bytesFacts(body, kind, start, split.ends[i]!) ?? parsedFacts(body, kind, start, split.ends[i]!, i),
  );
  return { ok: true, kind, facts };
}
