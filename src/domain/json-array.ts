/**
 * Splits a request body `[ {...}, {...} ]` into its top-level elements without parsing them, so that
 * each message is parsed, checked and released in turn: a malformed element is pinned to its position,
 * and only one message is ever held as JS objects. The same scan counts the field names written in each
 * element, so that names JSON.parse silently merged (duplicates) can be detected.
 */

import { isUtf8 } from 'node:buffer';
import { MAX_JSON_DEPTH, tooDeepProblem } from './json.js';

export type Split =
  | { ok: true; starts: number[]; ends: number[]; names: number[] }
  | { ok: false; problem: string; tooMany?: true; tooDeep?: true };

const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  COMMA = 0x2c,
  COLON = 0x3a;
const OPEN_BRACE = 0x7b,
  CLOSE_BRACE = 0x7d,
  OPEN_BRACKET = 0x5b,
  CLOSE_BRACKET = 0x5d;

export const isJsonSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipWhitespace(buf: Uint8Array, i: number): number {
  while (i < buf.length && isJsonSpace(buf[i])) i++;
  return i;
}

/**
 * Scans one value from `start`, stopping at the `,`/`]`/`}` that follows it at depth zero. Returns that
 * index and how many object keys the value contains, or where an unterminated string opens, or where it
 * nests deeper than any message can (the checks after parsing recurse).
 */
function scanValue(
  buf: Uint8Array,
  start: number,
): { end: number; names: number } | { unterminatedAt: number } | { tooDeepAt: number } {
  const n = buf.length;
  let depth = 0;
  let names = 0;
  let i = start;
  for (; i < n; i++) {
    const c = buf[i]!;
    if (c === QUOTE) {
      // Inline string skip: strings in messages are short, a call per string costs more than it saves.
      const open = i;
      for (i++; i < n; i++) {
        const d = buf[i];
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
      if (i >= n) return { unterminatedAt: open };
      let j = i + 1;
      while (j < n && isJsonSpace(buf[j])) j++;
      if (buf[j] === COLON) names++;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      // The array around the elements is one level; each element may use the rest.
      if (++depth >= MAX_JSON_DEPTH) return { tooDeepAt: i };
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0) break;
      depth--;
    } else if (c === COMMA && depth === 0) {
      break;
    }
  }
  return { end: i, names };
}

export function splitJsonArray(buf: Buffer, maxElements = Number.POSITIVE_INFINITY): Split {
  // Validated on the bytes: decoding would silently turn bad sequences into U+FFFD and archive the bytes anyway.
  if (!isUtf8(buf))
    return { ok: false, problem: 'the request body is not valid UTF-8, the encoding of every DIP message' };
  const n = buf.length;
  let i = n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  i = skipWhitespace(buf, i);
  if (i >= n) return { ok: false, problem: 'the request body is empty' };
  if (buf[i] !== OPEN_BRACKET)
    return { ok: false, problem: 'the request body must be a JSON array: [ {"payload": {...}}, ... ]' };
  const starts: number[] = [];
  const ends: number[] = [];
  const names: number[] = [];
  i = skipWhitespace(buf, i + 1);
  if (buf[i] === CLOSE_BRACKET) {
    i = skipWhitespace(buf, i + 1);
    return i === n
      ? { ok: true, starts, ends, names }
      : { ok: false, problem: `unexpected data after the array at byte ${i}` };
  }
  for (;;) {
    if (starts.length >= maxElements)
      return { ok: false, problem: `more than ${maxElements} messages in one request`, tooMany: true };
    const start = i;
    const scanned = scanValue(buf, i);
    if ('unterminatedAt' in scanned)
      return { ok: false, problem: `unterminated string starting at byte ${scanned.unterminatedAt}` };
    if ('tooDeepAt' in scanned) return { ok: false, problem: tooDeepProblem(scanned.tooDeepAt), tooDeep: true };
    i = scanned.end;
    if (i >= n) return { ok: false, problem: 'the request body ends before the array is closed' };
    starts.push(start);
    ends.push(i);
    names.push(scanned.names);
    if (buf[i] === COMMA) {
      i = skipWhitespace(buf, i + 1);
      continue;
    }
    if (buf[i] !== CLOSE_BRACKET)
      return { ok: false, problem: `unexpected '${String.fromCharCode(buf[i]!)}' at byte ${i}` };
    i = skipWhitespace(buf, i + 1);
    return i === n
      ? { ok: true, starts, ends, names }
      : { ok: false, problem: `unexpected data after the array at byte ${i}` };
  }
}

/**
 * Where the value of an element `{"payload": VALUE}` lies. The caller guarantees that the element holds
 * that one name, written once (it parsed to a single key and no name repeats), so the first colon ends
 * the name and the last brace closes the element: no rescan of the value is needed.
 */
export function payloadRange(buf: Buffer, start: number, end: number): { from: number; to: number } {
  let from = buf.indexOf(COLON, start) + 1;
  let to = buf.lastIndexOf(CLOSE_BRACE, end - 1);
  while (from < to && isJsonSpace(buf[from])) from++;
  while (to > from && isJsonSpace(buf[to - 1])) to--;
  return { from, to };
}

/** How many object keys a parsed value holds, at every depth. */
export function countNames(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const v of value) n += countNames(v);
    return n;
  }
  for (const key in value) n += 1 + countNames((value as Record<string, unknown>)[key]);
  return n;
}
