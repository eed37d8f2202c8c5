/**
 * Support for the hostile-input suite: an HTTP/1.1 exchange over a raw `net` socket (so that anything,
 * however malformed, can be sent), signed requests built byte by byte, and the judgement of an answer:
 * a refusal is a 4xx whose body is the DIP's StandardResponse with MSGnnnn items.
 */
import { connect } from 'node:net';
import type { TestDip } from '../helpers/dip.js';
import { participantSignature } from '../helpers/signer.js';

/** One request as bytes on the wire, and how to describe it when it fails. */
export interface Wire {
  method: string;
  /** The request target as sent (may hold raw non-ASCII bytes, hence latin1 in `head`). */
  head: Buffer;
  body: Buffer;
  /** Send the head, wait for `100 Continue` (or a final answer) and only then the body. */
  expectContinue: boolean;
  /** What was sent, for the failure message: enough to rebuild the request by hand. */
  describe: string;
}

export interface Answer {
  /** 0 when the connection closed without a complete status line and headers. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Whether the server invited the body with 100 Continue. */
  continued: boolean;
}

export type Header = [name: string, value: string | Buffer];

const CRLF = '\r\n';

/** The bytes of a request with exactly these headers, in this order, nothing added. */
export function wire(
  method: string,
  target: string | Buffer,
  headers: Header[],
  body: Buffer,
  describe: string,
  o: { expectContinue?: boolean; version?: string } = {},
): Wire {
  const lines = [
    Buffer.from(`${method} `, 'latin1'),
    Buffer.isBuffer(target) ? target : Buffer.from(target, 'latin1'),
    Buffer.from(` ${o.version ?? 'HTTP/1.1'}${CRLF}`),
  ];
  for (const [name, value] of headers)
    lines.push(
      Buffer.from(`${name}: `, 'latin1'),
      Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'),
      Buffer.from(CRLF),
    );
  lines.push(Buffer.from(CRLF));
  return { method, head: Buffer.concat(lines), body, expectContinue: o.expectContinue ?? false, describe };
}

/** The four signature headers and the API key, as participant `as` signs `method url body`. */
export function signatureHeaders(t: TestDip, as: string, method: string, url: string, body: Buffer): Header[] {
  const own = t.pki.participants[as]!;
  const signed = participantSignature({ method, url, body, keyPem: own.privateKeyPem, certPem: own.certificatePem });
  return [...Object.entries(signed), ['X-API-Key', t.apiKeys[as]!]];
}

/** Host, Content-Type and Content-Length as a well-behaved client sends them. */
export const framing = (t: TestDip, body: Buffer): Header[] => [
  ['Host', new URL(t.origin).host],
  ['Content-Type', 'application/json'],
  ['Content-Length', String(body.length)],
];

/** A request signed by `as`, well framed. */
export function signedWire(t: TestDip, as: string, method: string, path: string, body: Buffer, describe: string): Wire {
  return wire(
    method,
    path,
    [...framing(t, body), ...signatureHeaders(t, as, method, `${t.origin}${path}`, body)],
    body,
    describe,
  );
}

function parseHead(text: string): { status: number; headers: Record<string, string> } {
  const [statusLine, ...lines] = text.split(CRLF);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0), headers };
}

/** The body of a chunked response, or null while incomplete. */
function dechunk(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf(CRLF, at);
    if (eol < 0) return null;
    const size = parseInt(data.toString('latin1', at, eol), 16);
    if (!Number.isFinite(size)) return null;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < eol + 2 + size + 2) return null;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/**
 * Sends `w` on a fresh connection and reads the first final answer. The client half-closes after the
 * body, so a server waiting for bytes that will never come sees the end; no answer within `timeoutMs`
 * rejects with the request described.
 */
export function exchange(port: number, w: Wire, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let continued = false;
    let bodySent = !w.expectContinue;
    let done = false;
    const finish = (error: Error | null, answer?: Answer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer!);
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms to:\n${w.describe}`)), timeoutMs);
    const sendBody = (): void => {
      bodySent = true;
      socket.end(w.body);
    };
    /** Returns the answer once it is complete; `closed` accepts what there is. */
    const complete = (closed: boolean): Answer | null => {
      for (;;) {
        const end = data.indexOf(`${CRLF}${CRLF}`);
        if (end < 0) return closed ? { status: 0, headers: {}, body: data, continued } : null;
        const head = parseHead(data.toString('latin1', 0, end));
        const rest = data.subarray(end + 4);
        if (head.status >= 100 && head.status < 200) {
          if (head.status === 100) continued = true;
          data = rest;
          if (!bodySent) sendBody();
          continue;
        }
        const bodyless = w.method === 'HEAD' || head.status === 204 || head.status === 304;
        if (bodyless) return { ...head, body: Buffer.alloc(0), continued };
        if (head.headers['transfer-encoding']?.includes('chunked')) {
          const body = dechunk(rest);
          return body ? { ...head, body, continued } : closed ? { ...head, body: rest, continued } : null;
        }
        const length = head.headers['content-length'];
        if (length !== undefined) {
          const n = Number(length);
          if (rest.length >= n) return { ...head, body: rest.subarray(0, n), continued };
          return closed ? { ...head, body: rest, continued } : null;
        }
        return closed ? { ...head, body: rest, continued } : null;
      }
    };
    socket.on('connect', () => {
      socket.write(w.head);
      if (bodySent) socket.end(w.body);
    });
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const answer = complete(false);
      if (answer) finish(null, answer);
    });
    // The server may answer and close while the body is still being written: the answer counts.
    socket.on('error', () => finish(null, complete(true)!));
    socket.on('close', () => finish(null, complete(true)!));
  });
}

const ITEM_KEYS = [
  'transactionID',
  'senderUniqueReference',
  'correlationID',
  'sentTimestamp',
  'senderID',
  'recipientID',
  'DIPConnectionProviderID',
  'message',
  'help',
  'serviceTicketURL',
];

/** What is wrong with `body` as the DIP's StandardResponse, or null. */
export function standardResponseProblem(body: Buffer): string | null {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return 'the body is not JSON';
  }
  const r = json as { messageArray?: unknown; timestamp?: unknown };
  if (!r || typeof r !== 'object' || !Array.isArray(r.messageArray) || r.messageArray.length === 0)
    return 'no messageArray';
  if (typeof r.timestamp !== 'string') return 'no timestamp';
  for (const item of r.messageArray as Record<string, unknown>[]) {
    const keys = Object.keys(item ?? {}).sort();
    if (keys.join() !== [...ITEM_KEYS].sort().join()) return `an item has keys ${keys.join(', ')}`;
    if (typeof item.message !== 'string' || !/^MSG\d{4} - \S/.test(item.message))
      return `an item's message is ${JSON.stringify(item.message)}`;
    if (typeof item.senderID !== 'string' || item.senderID.length !== 10)
      return `an item's senderID is ${JSON.stringify(item.senderID)}`;
  }
  return null;
}

/** /validate answers in JSON strings, errors included (docs/decisions.md). */
export const isValidatePath = (w: Wire): boolean =>
  /^\S+ \/(?:[^/ ]*\/)?validate\/[^/ ]+\/[^/ ]+\/? /i.test(w.head.toString('latin1', 0, w.head.indexOf(CRLF)));

export interface Expectation {
  /** Statuses below 400 this request may get (none: it must be refused). */
  success?: readonly number[];
}

/** What is wrong with the answer to `w`, or null: a refusal is a 4xx in the DIP's shape, never a 5xx. */
export function answerProblem(w: Wire, a: Answer, expect: Expectation = {}): string | null {
  if (a.status === 0) return 'the connection closed without an answer';
  if (a.status >= 500) return `a ${a.status}`;
  if (a.status < 400) {
    if (!(expect.success ?? []).includes(a.status)) return `a ${a.status} where a refusal was due`;
    return null;
  }
  if (a.headers['content-type']?.startsWith('application/json') !== true && w.method !== 'HEAD')
    return `content-type ${a.headers['content-type']}`;
  if (w.method === 'HEAD') return null; // the protocol has no body for HEAD
  if (isValidatePath(w) && typeof safeParse(a.body) === 'string') return null;
  return standardResponseProblem(a.body);
}

const safeParse = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
};

/** The failure message: what went wrong, the request, and the start of the answer. */
export const failure = (problem: string, w: Wire, a: Answer): Error =>
  new Error(
    `${problem}\nrequest:\n${w.describe}\nanswer: ${a.status} ${JSON.stringify(a.headers)}\n${a.body.toString('utf8', 0, 600)}`,
  );

/** A compact, printable description of bytes: the first and last of them. */
export function sketch(bytes: Buffer, keep = 160): string {
  const text = JSON.stringify(bytes.toString('latin1'));
  return bytes.length <= keep
    ? text
    : `${JSON.stringify(bytes.toString('latin1', 0, keep / 2))} … ${JSON.stringify(bytes.toString('latin1', bytes.length - keep / 2))} (${bytes.length} bytes)`;
}
