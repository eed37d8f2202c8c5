/**
 * How a participant's webhook judges one call from the DIP (seed §4.6.6): the signature headers as
 * reference/message-signing.md has them, the body, and one StandardResponse item per message with an
 * RCP code. No I/O and no state, so the sink server stays a thin shell around these functions.
 */
import { isUtf8 } from 'node:buffer';
import type { X509Certificate } from 'node:crypto';
import { certificateProblem, parseCertificateHeader, validityOf } from '../crypto/certificates.js';
import { contentHash, HEADER, verifyRequestSignature } from '../crypto/signing.js';
import { clampHelp, type StandardResponse, type StandardResponseItem } from '../domain/responses.js';
import { formatDateTime } from '../domain/time.js';
import { splitJsonArray } from '../domain/json-array.js';
import { getProperty } from '../validation/canonical.js';

/** Elexon's DI-999 RCP range, copied with its typos because participants and the DIP match on the text. */
export const RCP_TEXT = {
  RCP0000: 'Message Success',
  RCP1000: 'Message Processing Failed',
  RCP1001: 'Schema Failure',
  RCP1002: 'Interface ID Invalid',
  RCP1003: 'Event Code Invalid, Unexpected or Missing',
  RCP1004: 'Environment Code Invalid, Unexpected or Missing',
  RCP1005: 'Schema Version Invalid or Not Compatable',
  RCP1006: 'Sender Unique Refernce Missing or Duplicated',
  RCP1007: 'Sender Sent Date/Time Invalid or Missing',
  RCP1008: 'Sender Sent Date/Time is in the Future',
  RCP1009: 'Sender DIP ID Invalid, Unexpected or Missing',
  RCP1010: 'Sender Role Invalid, Unexpected or Missing',
  RCP1021: 'Msg Mandatory Data Item Missing',
  RCP1022: 'Msg Contains Invalid Value for Value Restricted Field',
  RCP1023: 'Msg Contains Invalid Valid Value Combination(s)',
  RCP1041: 'Recipient ID Invalid, Unexpected or Missing',
  RCP1042: 'Publication ID Invalid, Unexpected or Missing',
  RCP1043: 'DIP Txn ID Invalid, Unexpected or Missing',
  RCP1044: 'DIP Txn Timestamp Invalid or Missing',
  RCP1045: 'DIP Txn Timestamp is in the Future',
  RCP1046: 'DIP Correlation ID Invalid, Unexpected or Missing',
  RCP1047: 'Replay Indicator Invalid or Unexpected',
  RCP1051: 'R0 Response Code Invalid',
  RCP1052: 'R0 Response Code Inconsistant with Error Condition(s)',
  RCP1061: 'MPAN Invalid or Unknown',
  RCP1062: 'PUB Unexpected given MPAN Process Status/Condition',
  RCP1063: 'Message Data Content Differs from that Issued or Expected',
  RCP1064: 'MDR provided not valid',
  RCP9999: 'Message Signature Invalid',
} as const;

export type RcpCode = keyof typeof RCP_TEXT;

export const isRcpCode = (code: string): code is RcpCode => Object.hasOwn(RCP_TEXT, code);

/** "RCP0000 - Message Success", the "CODE - Text" form of every published example. */
export function rcpText(code: string): string {
  return isRcpCode(code) ? `${code} - ${RCP_TEXT[code]}` : code;
}

export type HeaderBag = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export interface SignaturePolicy {
  /** Trust anchors for the signing certificate; null: the chain is not checked. */
  anchors: X509Certificate[] | null;
  /** Largest allowed distance between X-DIP-Signature-Date and now; null: not checked. */
  maxSkewMs: number | null;
  now: number;
}

/**
 * What is wrong with a call's signature, in the order of message-signing.md's receiver checks, or null.
 * `url` is the absolute URL the DIP called; it is lower-cased here, as the signer does.
 */
export function signatureProblem(
  method: string,
  url: string,
  headers: HeaderBag,
  body: Buffer,
  policy: SignaturePolicy,
): string | null {
  const date = first(headers[HEADER.date]);
  const hash = first(headers[HEADER.hash]);
  const signature = first(headers[HEADER.signature]);
  const certificate = first(headers[HEADER.certificate]) ?? first(headers[HEADER.legacyCertificate]);
  const missing = [
    date === undefined && 'X-DIP-Signature-Date',
    hash === undefined && 'X-DIP-Content-Hash',
    certificate === undefined && 'X-DIP-Signature-Certificate',
    signature === undefined && 'X-DIP-Signature',
  ].filter((h): h is string => h !== false);
  if (missing.length > 0) return `missing header(s): ${missing.join(', ')}`;
  const actual = contentHash(body);
  if (hash !== actual)
    return `X-DIP-Content-Hash ${hash} is not base64(SHA-256) of the ${body.length} bytes received (${actual})`;
  const cert = parseCertificateHeader(certificate!);
  if (!cert) return 'X-DIP-Signature-Certificate is not base64 of a PEM X.509 certificate';
  if (policy.anchors) {
    const problem = certificateProblem(cert, policy.anchors, policy.now);
    if (problem === 'untrusted-issuer')
      return `the signing certificate (issuer ${cert.issuer.replace(/\n/g, ', ')}) does not chain to a trusted CA`;
    if (problem) return `the signing certificate is ${problem} (valid ${cert.validFrom} to ${cert.validTo})`;
  } else {
    const { notBefore, notAfter } = validityOf(cert);
    if (policy.now > notAfter || policy.now < notBefore)
      return `the signing certificate is outside its validity period (${cert.validFrom} to ${cert.validTo})`;
  }
  if (
    !verifyRequestSignature({ method, url, date: date!, hash: hash!, signature: signature!, publicKey: cert.publicKey })
  ) {
    return `X-DIP-Signature does not verify with the certificate's key over "${method.toUpperCase()};${url.toLowerCase()};${date};${hash}"`;
  }
  if (policy.maxSkewMs !== null) {
    const signed = Date.parse(date!);
    if (!Number.isFinite(signed)) return `X-DIP-Signature-Date ${date} is not an ISO-8601 time`;
    if (Math.abs(policy.now - signed) > policy.maxSkewMs)
      return `X-DIP-Signature-Date ${date} is more than ${policy.maxSkewMs / 1000} s from this receiver's clock`;
  }
  return null;
}

export type CallKind = 'messages' | 'status';

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

/** What a response item needs of one received item, and what is wrong with it at a glance. */
export interface ItemFacts {
  transactionID: string | null;
  sur: string | null;
  correlationID: string | null;
  /** Who sent the item: S1.senderDIPID of a message, senderID of a status item. */
  sender: string | null;
  /** S0.interfaceID of a message. */
  channel: string | null;
  problem: { code: RcpCode; help: string } | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const isObject = (v: unknown): v is object => v !== null && typeof v === 'object' && !Array.isArray(v);

export function factsOf(kind: CallKind, item: unknown): ItemFacts {
  if (kind === 'status') {
    return {
      transactionID: str(getProperty(item, 'transactionID')),
      sur: str(getProperty(item, 'senderUniqueReference')),
      correlationID: str(getProperty(item, 'correlationID')),
      sender: str(getProperty(item, 'senderID')),
      channel: null,
      problem: isObject(item)
        ? null
        : { code: 'RCP1001', help: 'a status item must be a StandardResponseBodyType object' },
    };
  }
  const payload = getProperty(item, 'payload');
  const common = getProperty(payload, 'CommonBlock');
  const d0 = getProperty(common, 'D0');
  const s1 = getProperty(common, 'S1');
  const transactionID = str(getProperty(d0, 'transactionID'));
  const problem: ItemFacts['problem'] =
    !isObject(payload) || !isObject(common)
      ? { code: 'RCP1001', help: 'the element is not {"payload": {"CommonBlock": {...}, ...}}' }
      : transactionID === null
        ? {
            code: 'RCP1043',
            help: 'CommonBlock.D0.transactionID is missing: the DIP fills D0 on every message it delivers',
          }
        : null;
  return {
    transactionID,
    sur: str(getProperty(s1, 'senderUniqueReference')),
    correlationID: str(getProperty(d0, 'initialCorrelationID')) ?? str(getProperty(s1, 'senderCorrelationID')),
    sender: str(getProperty(s1, 'senderDIPID')),
    channel: str(getProperty(getProperty(common, 'S0'), 'interfaceID')),
    problem,
  };
}

/** One StandardResponse item: `self` is the sink's participant (the recipient of what it answers). */
export function responseItem(
  f: ItemFacts,
  self: string,
  code: string,
  help: string | null,
  sentTimestamp: string,
): StandardResponseItem {
  return {
    transactionID: f.transactionID,
    senderUniqueReference: f.sur,
    correlationID: f.correlationID,
    sentTimestamp,
    senderID: self,
    recipientID: f.sender,
    DIPConnectionProviderID: null,
    message: rcpText(code),
    help: help === null ? null : clampHelp(help),
    serviceTicketURL: null,
  };
}

/** A call answered as a whole (bad signature, unreadable body, a configured failure): one item saying why. */
export function wholeCallResponse(self: string, code: string, help: string, now: number): StandardResponse {
  const ts = formatDateTime(now);
  const facts: ItemFacts = {
    transactionID: null,
    sur: null,
    correlationID: null,
    sender: null,
    channel: null,
    problem: null,
  };
  return { messageArray: [responseItem(facts, self, code, help, ts)], timestamp: ts };
}

/** The logical recipient named by X-DIP-MPO (a JSON object), when the header is there and readable. */
export function readMpo(value: string | undefined): { mpo: unknown; dipId: string | null } {
  if (value === undefined) return { mpo: null, dipId: null };
  try {
    const mpo: unknown = JSON.parse(value);
    return { mpo, dipId: str(getProperty(mpo, 'dipId')) };
  } catch {
    return { mpo: value, dipId: null };
  }
}

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

/** Where the object opening at body[open] closes (one past its `}`), skipping strings; -1 if it does not within `end`. */
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
  const facts = split.starts.map((start, i): ItemFacts => {
    const itemEnd = split.ends[i]!;
    const parse = (): ItemFacts => {
      try {
        return factsOf(kind, JSON.parse(body.toString('utf8', start, itemEnd)));
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
    };
    let end = itemEnd;
    if (kind === 'messages') {
      if (!body.subarray(start, start + COMMON.length).equals(COMMON)) return parse();
      end = objectEnd(body, start + COMMON.length - 1, itemEnd);
      if (end < 0) return parse();
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
    if (fields.some((f) => f === undefined)) return parse();
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
  });
  return { ok: true, kind, facts };
}
