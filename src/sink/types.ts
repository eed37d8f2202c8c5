/** What a sink is told to do and what it tells back: its options, behaviour, recorded calls and counts. */
import type { StandardResponse } from '../domain/responses.js';
import type { CallKind, ItemFacts } from './facts.js';

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
  /**
   * Decodes an ECS report's compressedReport and validates the report (`opendip sink --decode-reports`): a
   * report that does not decode or validate is answered RCP1001; a decoded one is kept beside its item.
   */
  reports?: ReportReader;
  now?: () => number;
}

/** The decoded report of a message, why it cannot be read, or null for a message that carries none. */
export type ReportReader = (payload: unknown) => { report: unknown } | { problem: string } | null;

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
