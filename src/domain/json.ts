/**
 * How deep a JSON body may nest. JSON.parse itself copes with any depth, but everything that walks a
 * parsed value afterwards (counting names, canonicalising, JSON.stringify in a help text) recurses, and
 * a body of a few hundred kilobytes of `[[[[…` would overflow the stack. The deepest DIP message schema
 * nests 13 levels (REP-901), its envelope one more, so a limit far above that refuses nothing real.
 */

export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22,
  BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b,
  CLOSE_BRACE = 0x7d,
  OPEN_BRACKET = 0x5b,
  CLOSE_BRACKET = 0x5d;

/** The byte at which `bytes` first nests deeper than `max` objects and arrays, or -1. Strings are skipped. */
export function tooDeepAt(bytes: Uint8Array, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return i;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return -1;
}

export type ParsedJson = { ok: true; value: unknown } | { ok: false; problem: string };

/** What a help text says of a body that nests too deep. */
export const tooDeepProblem = (at: number): string =>
  `nested more than ${MAX_JSON_DEPTH} levels deep at byte ${at}; DIP bodies nest far less`;

/** Parses a request body as JSON no deeper than MAX_JSON_DEPTH; `problem` completes "the body is …" in a help text. */
export function parseJsonBody(body: Buffer): ParsedJson {
  const deep = tooDeepAt(body);
  if (deep >= 0) return { ok: false, problem: tooDeepProblem(deep) };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (e) {
    return { ok: false, problem: `not valid JSON: ${(e as Error).message}` };
  }
}
