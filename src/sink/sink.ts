/**
 * A participant's webhook receiver: verifies the DIP's signature headers, answers each message with an RCP
 * code (seed §4.6.6), keeps what it accepted in memory and optionally as JSON lines, and can be told to fail
 * in every way the DIP must cope with. Used by tests, benchmarks and the demo market, and by `opendip sink`.
 */
import type { X509Certificate } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { parsePemBundle } from '../crypto/certificates.js';
import { HEADER } from '../crypto/signing.js';
import type { StandardResponse } from '../domain/responses.js';
import { formatDateTime } from '../domain/time.js';
import {
  factsOf,
  leanFacts,
  parseBody,
  readMpo,
  responseItem,
  signatureProblem,
  wholeCallResponse,
  type CallKind,
  type ItemFacts,
} from './answer.js';

export { RCP_TEXT, isRcpCode, rcpText, type RcpCode } from './answer.js';

export interface SinkBehaviour {
  /** Answer every call with this HTTP status, optionally only for the next `times` calls. */
  failWith?: { status: number; times?: number; retryAfterSeconds?: number };
  /** Wait before answering (to provoke DIP timeouts). */
  delayMs?: number;
  /**
   * Reject individual items with an RCP code: those whose SUR or transaction id matches, or every n-th item
   * since the behaviour was set, or all of them when neither is given. 207, or 400 when none is accepted.
   */
  reject?: { code: string; match?: RegExp; every?: number };
  /** Read the request, then drop the connection without answering. */
  hangUp?: boolean;
}

export interface SinkOptions {
  host?: string;
  port?: number;
  /** PEMs of the CAs the DIP's signing certificate must chain to; omitted: the chain is not checked. */
  trustedCa?: string[];
  /** Default true. */
  verifySignature?: boolean;
  /** Refuse signatures dated further than this from now; omitted: the date is not checked. */
  maxSkewSeconds?: number;
  /** Append accepted items as JSON lines to this file. */
  out?: string;
  /** HTTPS; with `requestCert`, calls without an acceptable client certificate are answered 403. */
  tls?: { key: string; cert: string; ca?: string; requestCert?: boolean };
  behaviour?: SinkBehaviour;
  /** Default true. False keeps only counts and call summaries, for long runs (benchmarks, the CLI). */
  keep?: boolean;
  /**
   * Acknowledge without parsing messages: each item's transaction id, SUR and sender are read straight
   * from the bytes. For load tests; items are then neither kept nor passed to onCall, only their facts.
   */
  lean?: boolean;
  /** Told of every call once it is answered (or dropped). */
  onCall?: (call: ReceivedCall) => void;
  now?: () => number;
}

export interface ReceivedCall {
  at: number;
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** X-DIP-MPO parsed (the raw text if it is not JSON), null when absent. */
  mpo: unknown;
  kind: CallKind;
  /** What the body held (empty when unreadable, or when the sink keeps nothing). */
  items: unknown[];
  /** What the sink read of each item (its transaction id, SUR, sender, channel), also in lean mode. */
  facts: ItemFacts[];
  itemCount: number;
  /** The interface ids of the messages, comma-joined when mixed; null for status calls. */
  channel: string | null;
  /** 0 when the sink hung up. */
  status: number;
  /** Items answered with an RCP code other than RCP0000. */
  rejected: number;
  /** Why the call was refused as a whole. */
  problem: string | null;
  /** The subject of the TLS client certificate presented, if any. */
  clientCertificate: string | null;
  /** What the sink answered; null when it hung up or keeps nothing. */
  response: StandardResponse | null;
}

export interface SinkCounts {
  calls: number;
  messages: number;
  statuses: number;
  rejected: number;
}

export interface Sink {
  /** Base URL; every path under it is accepted, so one sink can serve many channels and recipients. */
  url: string;
  calls(): ReceivedCall[];
  /** Every accepted message element ({payload}), in arrival order. */
  messages(): unknown[];
  /** Every accepted status item, in arrival order. */
  statuses(): unknown[];
  /** Kept even when `keep` is false. */
  counts(): SinkCounts;
  /** Calls read and not yet answered (being delayed or stored): a caller that died now never hears their answer. */
  inFlight(): number;
  setBehaviour(b: SinkBehaviour): void;
  /** Resolves once the predicate holds; rejects after `timeoutMs` (default 10 s) saying what arrived. */
  waitFor(predicate: (s: Sink) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface Received {
  kind: CallKind;
  items: unknown[];
  facts: ItemFacts[];
  raw: (Buffer | null)[] | null;
  problem: string | null;
}

interface Answer {
  status: number;
  response: StandardResponse;
  problem: string | null;
  retryAfter: number | null;
  accepted: number[];
  rejected: number;
}

const joinHeaders = (raw: http.IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
};

const channelsOf = (facts: ItemFacts[]): string | null => {
  const seen = new Set<string>();
  for (const f of facts) if (f.channel !== null) seen.add(f.channel);
  return seen.size === 0 ? null : [...seen].join(',');
};

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const now = options.now ?? Date.now;
  const keep = options.keep ?? true;
  const verify = options.verifySignature ?? true;
  const anchors: X509Certificate[] | null = options.trustedCa ? options.trustedCa.flatMap(parsePemBundle) : null;
  if (anchors && anchors.length === 0) throw new Error('trustedCa holds no PEM certificate');
  const maxSkewMs = options.maxSkewSeconds === undefined ? null : options.maxSkewSeconds * 1000;
  const tls = options.tls;
  const out: FileHandle | null = options.out ? await open(options.out, 'a') : null;

  let behaviour: SinkBehaviour = {};
  let failLeft = 0;
  let seenSinceBehaviour = 0;
  const setBehaviour = (b: SinkBehaviour): void => {
    behaviour = { ...b };
    failLeft = b.failWith ? (b.failWith.times ?? Number.POSITIVE_INFINITY) : 0;
    seenSinceBehaviour = 0;
  };
  setBehaviour(options.behaviour ?? {});

  const received: ReceivedCall[] = [];
  const accepted = { messages: [] as unknown[], statuses: [] as unknown[] };
  const counts: SinkCounts = { calls: 0, messages: 0, statuses: 0, rejected: 0 };
  const waiters = new Set<() => void>();
  const delays = new AbortController();
  let writes: Promise<void> = Promise.resolve();
  let closed = false;
  let answering = 0;

  /** Parses the body once; a refused call's items are still recorded, for tests to see what was attempted. */
  function read(body: Buffer): Received {
    if (options.lean && out === null) {
      const lean = leanFacts(body);
      return lean.ok
        ? { kind: lean.kind, items: [], facts: lean.facts, raw: null, problem: null }
        : { kind: 'messages', items: [], facts: [], raw: null, problem: lean.problem };
    }
    const parsed = parseBody(body, out !== null);
    const kind: CallKind = parsed.ok ? parsed.kind : 'messages';
    const items = parsed.ok ? parsed.items : [];
    return {
      kind,
      items,
      facts: items.map((item) => factsOf(kind, item)),
      raw: parsed.ok ? parsed.raw : null,
      problem: parsed.ok ? null : parsed.problem,
    };
  }

  /** Decides the answer synchronously, so that `times` and `every` count calls in arrival order. */
  function judge(
    req: http.IncomingMessage,
    body: Buffer,
    r: Received,
    self: string,
    clientCert: string | null,
    at: number,
  ): Answer {
    const { facts } = r;
    const base = { retryAfter: null, accepted: [] as number[], rejected: 0 };
    const whole = (status: number, code: string, problem: string, retryAfter: number | null = null): Answer => ({
      ...base,
      status,
      problem,
      retryAfter,
      response: wholeCallResponse(self, code, problem, at),
    });
    if (req.method !== 'POST')
      return whole(405, 'RCP1000', `${req.method ?? '?'} is not accepted; the DIP delivers with POST`);
    if (tls?.requestCert) {
      const socket = req.socket as TLSSocket;
      if (clientCert === null) return whole(403, 'RCP1000', 'no TLS client certificate was presented');
      if (tls.ca && !socket.authorized)
        return whole(403, 'RCP1000', `the TLS client certificate is not trusted: ${String(socket.authorizationError)}`);
    }
    if (behaviour.failWith && failLeft > 0) {
      failLeft--;
      const { status, retryAfterSeconds } = behaviour.failWith;
      return whole(status, 'RCP1000', `this sink is set to answer ${status}`, retryAfterSeconds ?? null);
    }
    if (verify) {
      const url = `${tls ? 'https' : 'http'}://${req.headers.host ?? hostPort}${req.url ?? '/'}`;
      const problem = signatureProblem('POST', url, req.headers, body, { anchors, maxSkewMs, now: at });
      if (problem) return whole(401, 'RCP9999', `message signature invalid: ${problem}`);
    }
    if (r.problem !== null) return whole(400, 'RCP1001', r.problem);
    const ts = formatDateTime(at);
    const rule = behaviour.reject;
    const match = rule?.match ? new RegExp(rule.match.source, rule.match.flags.replace(/[gy]/g, '')) : null;
    const messageArray = facts.map((f, i) => {
      seenSinceBehaviour++;
      if (f.problem) return responseItem(f, self, f.problem.code, f.problem.help, ts);
      const hit =
        rule &&
        (match
          ? match.test(f.sur ?? '') || match.test(f.transactionID ?? '')
          : rule.every
            ? seenSinceBehaviour % rule.every === 0
            : true);
      if (rule && hit)
        return responseItem(
          f,
          self,
          rule.code,
          `rejected by this sink's test rule (${match ? `matches ${match}` : rule.every ? `every ${rule.every}th item` : 'every item'})`,
          ts,
        );
      base.accepted.push(i);
      return responseItem(f, self, 'RCP0000', null, ts);
    });
    const n = base.accepted.length;
    const status = n === facts.length ? 201 : n > 0 ? 207 : 400;
    return { ...base, status, problem: null, rejected: facts.length - n, response: { messageArray, timestamp: ts } };
  }

  /** JSON lines first, memory after: what the sink acknowledges is what it has written. */
  async function store(
    at: number,
    path: string,
    { kind, items, facts, raw }: Received,
    mpo: unknown,
    indices: number[],
  ): Promise<void> {
    if (out) {
      const head = `{"receivedAt":${JSON.stringify(new Date(at).toISOString())},"path":${JSON.stringify(path)},"kind":"${kind}","mpo":${JSON.stringify(mpo)},"transactionID":`;
      const parts: Buffer[] = [];
      for (const i of indices) {
        const bytes = raw?.[i] ?? Buffer.from(JSON.stringify(items[i]));
        parts.push(Buffer.from(`${head}${JSON.stringify(facts[i]!.transactionID)},"item":`), bytes, Buffer.from('}\n'));
      }
      const data = Buffer.concat(parts);
      const write = writes.then(() => out.appendFile(data));
      writes = write.catch(() => undefined);
      await write;
    }
    const target = kind === 'messages' ? accepted.messages : accepted.statuses;
    if (keep && !options.lean) for (const i of indices) target.push(items[i]);
    if (kind === 'messages') counts.messages += indices.length;
    else counts.statuses += indices.length;
  }

  function record(call: ReceivedCall): void {
    counts.calls++;
    counts.rejected += call.rejected;
    received.push(keep ? call : { ...call, items: [], response: null });
    options.onCall?.(call);
    for (const w of [...waiters]) w();
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the DIP gave up mid-body: nothing was delivered, so there is nothing to answer or record
    }
    answering++;
    try {
      await answer(req, res, Buffer.concat(chunks));
    } finally {
      answering--;
    }
  }

  async function answer(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const headers = joinHeaders(req.headers);
    const { mpo, dipId } = readMpo(headers[HEADER.mpo]);
    const peer = tls ? (req.socket as TLSSocket).getPeerX509Certificate() : undefined;
    const clientCertificate = peer ? peer.subject.replace(/\n/g, ', ') : null;
    const at = now();
    const path = req.url ?? '/';
    const r = read(body);
    const call = (status: number, answer: Answer | null): ReceivedCall => ({
      at,
      path,
      headers,
      mpo,
      kind: r.kind,
      items: r.items,
      facts: r.facts,
      itemCount: r.facts.length,
      channel: channelsOf(r.facts),
      status,
      rejected: answer?.rejected ?? 0,
      problem: answer ? answer.problem : 'the sink hung up',
      clientCertificate,
      response: answer?.response ?? null,
    });
    if (behaviour.hangUp) {
      record(call(0, null));
      req.socket.destroy();
      return;
    }
    const delayMs = behaviour.delayMs ?? 0;
    const a = judge(req, body, r, dipId ?? '', clientCertificate, at);
    if (delayMs > 0) {
      try {
        await sleep(delayMs, undefined, { signal: delays.signal });
      } catch {
        return; // closing
      }
    }
    let answer: Answer = a;
    if (a.accepted.length > 0) {
      try {
        if (closed) throw new Error('the sink is closing');
        await store(at, path, r, mpo, a.accepted);
      } catch (e) {
        const problem = `could not store the items: ${(e as Error).message}`;
        answer = {
          ...a,
          status: 500,
          problem,
          accepted: [],
          rejected: r.items.length,
          response: wholeCallResponse(dipId ?? '', 'RCP1000', problem, at),
        };
      }
    }
    record(call(answer.status, answer));
    const text = JSON.stringify(answer.response);
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...(answer.retryAfter !== null ? { 'retry-after': String(answer.retryAfter) } : {}),
      ...(answer.status === 405 ? { allow: 'POST' } : {}),
    });
    res.end(text);
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`sink failure: ${e instanceof Error ? e.message : String(e)}`);
    });
  };
  const server = tls
    ? https.createServer(
        {
          key: tls.key,
          cert: tls.cert,
          ...(tls.ca ? { ca: tls.ca } : {}),
          requestCert: tls.requestCert ?? false,
          rejectUnauthorized: false,
        },
        listener,
      )
    : http.createServer(listener);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  const hostPort = `${shown}:${port}`;

  const summary = (): string => {
    const byStatus = new Map<number, number>();
    for (const c of received) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
    const statuses = [...byStatus].map(([s, n]) => `${s}×${n}`).join(', ');
    return `saw ${counts.calls} call(s)${statuses ? ` (${statuses})` : ''}, ${counts.messages} accepted message(s), ${counts.statuses} accepted status item(s), ${counts.rejected} rejected item(s)`;
  };

  const sink: Sink = {
    url: `${tls ? 'https' : 'http'}://${hostPort}`,
    calls: () => [...received],
    messages: () => [...accepted.messages],
    statuses: () => [...accepted.statuses],
    counts: () => ({ ...counts }),
    inFlight: () => answering,
    setBehaviour,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const holds = (): boolean | Error => {
          try {
            return predicate(sink);
          } catch (e) {
            return e instanceof Error ? e : new Error(String(e));
          }
        };
        const initially = holds();
        if (initially !== false) return initially === true ? resolve() : reject(initially);
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          clearInterval(poll);
          waiters.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = (): void => {
          const h = holds();
          if (h !== false) finish(h === true ? undefined : h);
        };
        waiters.add(check);
        // Calls wake the waiter; the poll is for predicates that also look at state outside the sink.
        const poll = setInterval(check, 50);
        const timer = setTimeout(
          () => finish(new Error(`waitFor: not satisfied within ${timeoutMs} ms; ${summary()}`)),
          timeoutMs,
        );
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      delays.abort();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
      await writes;
      await out?.close();
    },
  };
  return sink;
}
