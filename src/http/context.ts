/**
 * What every route is built from (AppDeps) and the small request helpers they share. The app (app.ts)
 * imports the routes; the routes import this, never the app.
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Config } from '../config/config.js';
import type { ContinuationKeys } from '../domain/continuation.js';
import type { CallEvidence } from '../domain/evidence.js';
import type { ApiObserver } from '../domain/observe.js';
import type { MsgCode } from '../domain/responses.js';
import type { TicketUrl } from '../domain/ticket.js';
import type { Clock } from '../domain/time.js';
import type { AcceptedHandler } from '../ingress/accept.js';
import type { Sender } from '../delivery/sender.js';
import type { CallLog } from '../ingress/call-log.js';
import type { PauseBoard } from '../ingress/pauses.js';
import { requestFailure } from '../domain/response-items.js';
import type { Registry } from '../registry/registry.js';
import type { Store } from '../storage/ports.js';
import type { SchemaRegistry } from '../validation/schemas.js';
import type { OpsDeps } from './routes/ops.js';

export interface AppDeps {
  config: Readonly<Config>;
  catalogue: Catalogue;
  schemas: SchemaRegistry;
  store: Store;
  registry: Registry;
  callLog: CallLog;
  clock: Clock;
  logger: Logger;
  /** CAs trusted to issue participants' signing certificates. */
  anchors: X509Certificate[];
  /** CAs trusted to issue mTLS client certificates. */
  clientAnchors: X509Certificate[];
  /** TLS server material, when the DIP serves HTTPS. */
  tls?: { key: string; cert: string; clientCa: string };
  randomHex: (bytes: number) => string;
  /** Seal and open replay continuation tokens: derived from the DIP's own keys, so every process of one DIP agrees. */
  continuationKey: ContinuationKeys;
  /** The audit and service-ticket URL of a transaction (null until the DIP knows its address). */
  ticketUrl: TicketUrl;
  /** The pauses in force (ingress is refused 503 on a paused channel). */
  pauses: PauseBoard;
  /** Called after messages were committed, to wake the delivery engine. */
  wakeDelivery?: () => void;
  /** Channels the DIP answers itself (IF-015), by channel: see IngressDeps. */
  onAccepted?: ReadonlyMap<string, AcceptedHandler>;
  /** Told what send, replay and requeue requests did (the metrics). */
  observer?: ApiObserver;
  /** The DIP's webhook client, for the portal's test calls; absent, the portal offers none. */
  testCalls?: Sender;
  /** /health/live, /health/ready and /metrics; absent, they are not served. */
  ops?: OpsDeps;
}

/** Facts about a request gathered for its one log line and the audit trail. */
export interface RequestFacts {
  /** When the request arrived, by the DIP's clock. */
  startedAt: number;
  callerId: string | null;
  channel: string | null;
  messages: number;
  accepted: number;
  /** Set once the call is in the audit trail (the send API writes it with the messages, refusals when refused). */
  audited: boolean;
  /** What the audit record says of the outcome, when not just the status. */
  outcome?: string;
  /** What the caller signed, once its signature and body are verified: kept on the call's audit record. */
  evidence?: CallEvidence;
  /** The participant an operator acts for, on the operator API's on-behalf routes: kept on the audit record. */
  onBehalfOf?: string;
  /** The MSG code of each message's response item, for the metrics. */
  codes?: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    facts: RequestFacts;
  }
  interface FastifyInstance {
    /** Every method and URL pattern the app serves, HEAD included, in the order they were registered. */
    servedRoutes: readonly ServedRoute[];
  }
  interface FastifyContextConfig {
    /** False for what is not a DIP API call (health probes, the API's description), kept out of the audit trail. */
    apiCall?: boolean;
  }
}

/** A method and URL pattern the app serves, as Fastify registered it. */
export interface ServedRoute {
  method: string;
  url: string;
}

/** Sends a StandardResponse with one item describing why the whole request was refused. */
export function refuse(
  reply: FastifyReply,
  deps: AppDeps,
  status: number,
  code: MsgCode,
  help: string,
  callerId: string | null = null,
): FastifyReply {
  return reply
    .code(status)
    .type('application/json')
    .send(requestFailure(callerId ?? deps.config.dipId, code, help, deps.clock.now()));
}

export type AwaitingContinue = IncomingMessage & { awaitingContinue?: boolean };

/** Invites the body of a client that sent `Expect: 100-continue`, once the DIP knows it will read it. */
export function continueIfExpected(request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw as AwaitingContinue;
  if (raw.awaitingContinue) {
    raw.awaitingContinue = false;
    reply.raw.writeContinue();
  }
}

/** The absolute URL the client called, as it would have signed it. */
export function publicUrlOf(request: FastifyRequest, config: Readonly<Config>): string {
  const base =
    config.publicUrl ??
    `${config.tls.enabled ? 'https' : 'http'}://${request.headers.host ?? `${config.host}:${config.port}`}`;
  return `${base}${request.url}`;
}

/** The TLS client certificate the peer presented, if any. */
export function clientCertificateOf(request: FastifyRequest): X509Certificate | null {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return null;
  const peer = socket.getPeerCertificate();
  if (!peer || !peer.raw) return null;
  try {
    return new X509Certificate(peer.raw);
  } catch {
    return null;
  }
}
