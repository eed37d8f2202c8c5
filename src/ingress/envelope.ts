/**
 * Splits a request body `[ {...}, {...} ]` into its top-level elements without parsing them, so that
 * each message is parsed, checked and released in turn: memory stays bounded by the body plus one
 * message, and a malformed element is pinned to its position.
 */

export type Split =
  | { ok: true; starts: number[]; ends: number[] }
  | { ok: false; problem: string };

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;

function skipWhitespace(buf: Uint8Array, i: number): number {
  while (i < buf.length) {
    const c = buf[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

export function splitJsonArray(buf: Buffer): Split {
  const n = buf.length;
  let i = n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  i = skipWhitespace(buf, i);
  if (i >= n) return { ok: false, problem: 'the request body is empty' };
  if (buf[i] !== OPEN_BRACKET) return { ok: false, problem: 'the request body must be a JSON array: [ {"payload": {...}}, ... ]' };
  const starts: number[] = [];
  const ends: number[] = [];
  i = skipWhitespace(buf, i + 1);
  if (buf[i] === CLOSE_BRACKET) {
    i = skipWhitespace(buf, i + 1);
    return i === n ? { ok: true, starts, ends } : { ok: false, problem: `unexpected data after the array at byte ${i}` };
  }
  for (;;) {
    const start = i;
    let depth = 0;
    for (; i < n; i++) {
      const c = buf[i]!;
      if (c === QUOTE) {
        // Skip the string in this loop: strings in messages are short, so a native search per string costs more.
        const open = i;
        for (i++; i < n; i++) {
          const d = buf[i];
          if (d === BACKSLASH) i++;
          else if (d === QUOTE) break;
        }
        if (i >= n) return { ok: false, problem: `unterminated string starting at byte ${open}` };
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === 0) break;
        depth--;
      } else if (c === COMMA && depth === 0) {
        break;
      }
    }
    if (i >= n) return { ok: false, problem: 'the request body ends before the array is closed' };
    starts.push(start);
    ends.push(i);
    if (buf[i] === COMMA) {
      i = skipWhitespace(buf, i + 1);
      continue;
    }
    if (buf[i] !== CLOSE_BRACKET) return { ok: false, problem: `unexpected '${String.fromCharCode(buf[i]!)}' at byte ${i}` };
    i = skipWhitespace(buf, i + 1);
    return i === n ? { ok: true, starts, ends } : { ok: false, problem: `unexpected data after the array at byte ${i}` };
  }
}
