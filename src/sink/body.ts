/**
 * What the sink reads of a call's body: a JSON array of messages (`{"payload": …}`) or of status items,
 * parsed once, and the facts of each item it answers for.
 */
import { isUtf8 } from 'node:buffer';
import { splitJsonArray } from '../domain/json-array.js';
import { getProperty } from '../validation/canonical.js';
import { factsOf, type CallKind, type ItemFacts } from './facts.js';
import type { ReportReader } from './types.js';
import { leanFacts } from './lean.js';

export type ParsedBody =
  { ok: true; kind: CallKind; items: unknown[]; raw: (Buffer | null)[] | null } | { ok: false; problem: string };

const NEWLINE = 0x0a,
  RETURN = 0x0d;

/**
 * Parses the body once. With `wantRaw`, elements are located by splitJsonArray and parsed one by one,
 * and each element's own bytes are kept so that a JSON-lines copy needs no re-serialisation (null where
 * the element spans lines); without it, one JSON.parse of the whole body is the faster road.
 */
export function parseBody(body: Buffer, wantRaw: boolean): ParsedBody {
  let items: unknown[];
  let raw: (Buffer | null)[] | null = null;
  if (wantRaw) {
    const split = splitJsonArray(body);
    if (!split.ok) return { ok: false, problem: split.problem };
    items = new Array<unknown>(split.starts.length);
    raw = new Array<Buffer | null>(split.starts.length);
    for (let i = 0; i < items.length; i++) {
      const bytes = body.subarray(split.starts[i], split.ends[i]);
      try {
        items[i] = JSON.parse(bytes.toString('utf8'));
      } catch (e) {
        return { ok: false, problem: `element ${i} is not JSON: ${(e as Error).message}` };
      }
      raw[i] = bytes.includes(NEWLINE) || bytes.includes(RETURN) ? null : bytes;
    }
  } else {
    if (!isUtf8(body)) return { ok: false, problem: 'the request body is not valid UTF-8' };
    const bom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8', bom));
    } catch (e) {
      return { ok: false, problem: `the request body is not JSON: ${(e as Error).message}` };
    }
    if (!Array.isArray(parsed))
      return {
        ok: false,
        problem:
          'the request body must be a JSON array: [ {"payload": {...}}, ... ] or [ StandardResponseBodyType, ... ]',
      };
    items = parsed;
  }
  if (items.length === 0) return { ok: false, problem: 'the array is empty; the DIP sends at least one item' };
  const head = items[0];
  const kind: CallKind =
    head !== null && typeof head === 'object' && getProperty(head, 'payload') !== undefined ? 'messages' : 'status';
  return { ok: true, kind, items, raw };
}

/** A call's body as the sink read it. */
export interface Received {
  kind: CallKind;
  items: unknown[];
  facts: ItemFacts[];
  raw: (Buffer | null)[] | null;
  problem: string | null;
  /** Each item's decoded report, when reports are decoded (null for an item that carries none). */
  reports?: unknown[];
}

/**
 * Parses the body once; a refused call's items are still recorded, for tests to see what was attempted.
 * `lean` reads only the facts, from the bytes; `raw` keeps each element's bytes for the JSON-lines file.
 */
export function readBody(body: Buffer, how: { lean: boolean; raw: boolean; reports?: ReportReader }): Received {
  if (how.lean) {
    const lean = leanFacts(body);
    return lean.ok
      ? { kind: lean.kind, items: [], facts: lean.facts, raw: null, problem: null }
      : { kind: 'messages', items: [], facts: [], raw: null, problem: lean.problem };
  }
  const parsed = parseBody(body, how.raw);
  const kind: CallKind = parsed.ok ? parsed.kind : 'messages';
  const items = parsed.ok ? parsed.items : [];
  const facts = items.map((item) => factsOf(kind, item));
  const received: Received = {
    kind,
    items,
    facts,
    raw: parsed.ok ? parsed.raw : null,
    problem: parsed.ok ? null : parsed.problem,
  };
  if (how.reports && kind === 'messages') {
    const read = how.reports;
    received.reports = items.map((item, i) => {
      const got = facts[i]!.problem ? null : read(getProperty(item, 'payload'));
      if (got && 'problem' in got) facts[i]!.problem = { code: 'RCP1001', help: got.problem };
      return got && 'report' in got ? got.report : null;
    });
  }
  return received;
}
