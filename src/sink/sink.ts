/**
 * A participant's webhook receiver: verifies the DIP's signature headers, answers each message with an RCP
 * code (seed §4.6.6), keeps what it accepted in memory and optionally as JSON lines, and can be told to fail
 * in every way the DIP must cope with. Used by tests, benchmarks and the demo market, and by `opendip sink`.
 */
import type { X509Certificate } from 'node:crypto';
import { parsePemBundle } from '../crypto/certificates.js';
import type { StandardResponse } from '../domain/responses.js';
import type { CallKind } from './body.js';
import { createControls } from './controls.js';
import type { ItemFacts } from './facts.js';
import { createHandler } from './handle.js';
import { createInbox } from './inbox.js';
import { openLineFile } from './lines.js';
import { closeServer, listen } from './server.js';

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

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const anchors: X509Certificate[] | null = options.trustedCa ? options.trustedCa.flatMap(parsePemBundle) : null;
  if (anchors && anchors.length === 0) throw new Error('trustedCa holds no PEM certificate');
  const maxSkewMs = options.maxSkewSeconds === undefined ? null : options.maxSkewSeconds * 1000;
  const lines = options.out ? await openLineFile(options.out) : null;
  const controls = createControls(options.behaviour ?? {});
  const inbox = createInbox({ keep: options.keep ?? true, lean: options.lean ?? false, lines, onCall: options.onCall });
  const closing = new AbortController();
  let hostPort = '';
  const handler = createHandler({
    now: options.now ?? Date.now,
    controls,
    inbox,
    judging: {
      controls,
      tls: options.tls,
      signatures: (options.verifySignature ?? true) ? { anchors, maxSkewMs } : null,
    },
    // Lean reading has no element bytes to write: with a JSON-lines file the body is parsed.
    reading: { lean: !!options.lean && lines === null, raw: lines !== null },
    hostPort: () => hostPort,
    closing: closing.signal,
  });
  const listening = await listen(options, handler.listener);
  hostPort = listening.hostPort;

  const sink: Sink = {
    url: `${options.tls ? 'https' : 'http'}://${hostPort}`,
    calls: inbox.calls,
    messages: inbox.messages,
    statuses: inbox.statuses,
    counts: inbox.counts,
    inFlight: handler.inFlight,
    setBehaviour: controls.set,
    waitFor: (predicate, timeoutMs = 10_000) => inbox.waitFor(() => predicate(sink), timeoutMs),
    async close() {
      if (closing.signal.aborted) return;
      closing.abort();
      await closeServer(listening.server);
      await inbox.close();
    },
  };
  return sink;
}
