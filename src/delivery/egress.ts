/**
 * The egress form of a message (seed §4.6.4): the archived payload with the DIP's D0 block and the A0
 * block as resolved, written into its CommonBlock. The payload is spliced, not re-serialised: the
 * archived bytes are copied around the CommonBlock's own members, so a 48-period consumption message costs
 * a scan of its CommonBlock, not a parse of the whole. A payload that must be obfuscated for its recipient is
 * parsed, obfuscated and written out instead.
 */
import { addressingBlock } from '../routing/resolve.js';
import type { ArchivedMessage } from '../domain/archive.js';
import { formatDateTime } from '../domain/time.js';

export interface DipBlock {
  transactionID: string;
  transactionTimestamp: string;
  publicationID: string;
  initialCorrelationID: string | null;
  replayIndicator: boolean;
  serviceTicketURL: string | null;
}

export function dipBlock(
  m: ArchivedMessage,
  publicationId: string,
  options: { replay?: boolean; serviceTicketUrl?: string | null } = {},
): DipBlock {
  return {
    transactionID: m.transactionId,
    transactionTimestamp: formatDateTime(m.receivedAt),
    publicationID: publicationId,
    initialCorrelationID: m.correlationId,
    replayIndicator: options.replay ?? false,
    serviceTicketURL: options.serviceTicketUrl ?? null,
  };
}

export function addressing(m: ArchivedMessage): ReturnType<typeof addressingBlock> {
  return addressingBlock(m.recipients?.primaryRecipients ?? null, m.recipients?.recipients ?? []);
}

const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  COLON = 0x3a,
  COMMA = 0x2c;
const OPEN_BRACE = 0x7b,
  CLOSE_BRACE = 0x7d,
  OPEN_BRACKET = 0x5b,
  CLOSE_BRACKET = 0x5d;
const space = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

interface Member {
  name: string;
  /** From the opening quote of the name to the end of the value. */
  start: number;
  end: number;
  valueStart: number;
}

/** End (exclusive) of the JSON value starting at `i`. The input is known-valid JSON (it was validated). */
function valueEnd(buf: Buffer, i: number): number {
  const c = buf[i];
  if (c === QUOTE) {
    for (i++; buf[i] !== QUOTE; i++) if (buf[i] === BACKSLASH) i++;
    return i + 1;
  }
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (; ; i++) {
      const d = buf[i];
      if (d === QUOTE) {
        for (i++; buf[i] !== QUOTE; i++) if (buf[i] === BACKSLASH) i++;
      } else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        if (--depth === 0) return i + 1;
      }
    }
  }
  while (i < buf.length && buf[i] !== COMMA && buf[i] !== CLOSE_BRACE && buf[i] !== CLOSE_BRACKET && !space(buf[i]))
    i++;
  return i;
}

/** The members of the object whose `{` is at `open`, stopping early once `until` is found. */
function members(buf: Buffer, open: number, until?: string): { list: Member[]; close: number } {
  const list: Member[] = [];
  let i = open + 1;
  for (;;) {
    while (space(buf[i]) || buf[i] === COMMA) i++;
    if (buf[i] === CLOSE_BRACE) return { list, close: i };
    const start = i;
    const nameEnd = valueEnd(buf, i);
    const raw = buf.toString('utf8', start, nameEnd);
    const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
    i = nameEnd;
    while (buf[i] !== COLON) i++;
    i++;
    while (space(buf[i])) i++;
    const valueStart = i;
    i = valueEnd(buf, i);
    list.push({ name, start, end: i, valueStart });
    if (name === until) return { list, close: -1 };
  }
}

/**
 * The payload with CommonBlock's A0 and D0 replaced by the given blocks (A0 omitted when null), other
 * members byte for byte as archived.
 */
export function withDipBlocks(payload: Buffer, a0: object | null, d0: DipBlock): Buffer {
  return Buffer.concat(withDipBlocksParts(payload, a0, d0));
}

/** The same, as pieces in order (views of the payload between the DIP's own), for callers that join many. */
export function withDipBlocksParts(payload: Buffer, a0: object | null, d0: DipBlock): Buffer[] {
  let i = 0;
  while (space(payload[i])) i++;
  const top = members(payload, i, 'CommonBlock');
  const common = top.list.at(-1);
  if (!common || common.name !== 'CommonBlock') throw new Error('payload has no CommonBlock');
  const inner = members(payload, common.valueStart);
  const kept: (Buffer | string)[] = inner.list
    .filter((m) => m.name !== 'A0' && m.name !== 'D0')
    .map((m) => payload.subarray(m.start, m.end));
  if (a0) kept.push(`"A0":${JSON.stringify(a0)}`);
  kept.push(`"D0":${JSON.stringify(d0)}`);
  const parts: Buffer[] = [payload.subarray(0, common.valueStart), Buffer.from('{')];
  kept.forEach((m, i) => {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(typeof m === 'string' ? Buffer.from(m) : m);
  });
  parts.push(Buffer.from('}'), payload.subarray(inner.close + 1));
  return parts;
}

/** One element of a webhook body: `{"payload": …}`. */
export function egressElement(payload: Buffer): Buffer {
  return Buffer.concat([ELEMENT_OPEN, payload, ELEMENT_CLOSE]);
}

/**
 * The transaction wrapper of a replayed message (seed §4.9): a transaction id and correlation id of its
 * own, with the replay prefix, beside the original payload whose D0 keeps the original ids.
 */
export interface ReplayWrapper {
  transactionID: string;
  correlationID: string;
  replayTimestamp: string;
  originalTransactionID: string;
}

/** `{"replay": {...}, "payload": ...}`: DIPMessageEgress allows members beside payload. As pieces in order. */
export function replayElementParts(wrapper: ReplayWrapper, payload: Buffer[]): Buffer[] {
  return [Buffer.from(`{"replay":${JSON.stringify(wrapper)},"payload":`), ...payload, ELEMENT_CLOSE];
}
const ELEMENT_OPEN = Buffer.from('{"payload":');
const ELEMENT_CLOSE = Buffer.from('}');

/** A webhook body `[e1,e2,…]` as pieces in order, so the elements are never copied into one buffer. */
export function arrayParts(elements: readonly Buffer[]): Buffer[] {
  const parts: Buffer[] = [OPEN];
  elements.forEach((e, i) => {
    if (i > 0) parts.push(COMMA_BUF);
    parts.push(e);
  });
  parts.push(CLOSE);
  return parts;
}

/** A webhook body `[e1,e2,…]` in one buffer. */
export function arrayBody(elements: readonly Buffer[]): Buffer {
  return Buffer.concat(arrayParts(elements));
}
const OPEN = Buffer.from('['),
  CLOSE = Buffer.from(']'),
  COMMA_BUF = Buffer.from(',');
