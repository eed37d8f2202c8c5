/**
 * buildApp: the HTTP face of the DIP. Routes are thin: they turn HTTP into use-case calls and back.
 * Bodies are kept raw (the signature covers the exact bytes); the use cases parse them.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Config } from '../config/config.js';
import type { Clock } from '../domain/time.js';
import type { MsgCode } from '../domain/responses.js';
import { requestFailure } from '../ingress/accept.js';
import type { Registry } from '../registry/registry.js';
import type { Store } from '../storage/ports.js';
import type { SchemaRegistry } from '../validation/schemas.js';
import { readBody } from './body.js';
import { healthRoutes } from './routes/health.js';
import { sendRoutes } from './routes/send.js';
import { validateRoutes } from './routes/validate.js';

export interface AppDeps {
  config: Readonly<Config>;
  catalogue: Catalogue;
  schemas: SchemaRegistry;
  store: Store;
  registry: Registry;
  clock: Clock;
  logger: Logger;
  /** CAs trusted to issue participants' certificates. */
  anchors: X509Certificate[];
  /** TLS server material, when the DIP serves HTTPS. */
  tls?: { key: string; cert: string; clientCa: string };
  randomHex: (bytes: number) => string;
}

/** Facts about a request gathered for its one log line and the audit trail. */
export interface RequestFacts {
  callerId: string | null;
  channel: string | null;
  messages: number;
  accepted: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    facts: RequestFacts;
  }
}

/** Sends a StandardResponse with one item describing why the whole request was refused. */
export function refuse(reply: FastifyReply, deps: AppDeps, status: number, code: MsgCode, help: string, callerId: string | null = null): FastifyReply {
  const body = requestFailure(callerId ? { dipId: callerId, via: [] } : null, code, help, deps.clock.now(), deps.config.dipId);
  return reply.code(status).type('application/json').send(body);
}

/** The absolute URL the client called, as it would have signed it. */
export function publicUrlOf(request: FastifyRequest, config: Readonly<Config>): string {
  const base = config.publicUrl ?? `${config.tls.enabled ? 'https' : 'http'}://${request.headers.host ?? `${config.host}:${config.port}`}`;
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

const tooLarge = (config: Readonly<Config>): string =>
  `the request body exceeds this DIP's limit of ${Math.floor(config.maxBodyBytes / 1048576)} MiB; send fewer messages per request`;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    // One line per request, written by the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBodyBytes,
    genReqId: () => randomUUID(),
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    ...(deps.tls
      ? { https: { key: deps.tls.key, cert: deps.tls.cert, ca: deps.tls.clientCa, requestCert: config.tls.mtls !== 'off', rejectUnauthorized: false } }
      : {}),
  }) as unknown as FastifyInstance;

  // Expect: 100-continue: refuse an oversized body before the client sends it, otherwise let it come.
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) > config.maxBodyBytes) {
      const body = requestFailure(null, 'MSG1000', tooLarge(config), deps.clock.now(), config.dipId);
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
      return;
    }
    res.writeContinue();
    app.server.emit('request', req, res);
  });

  app.decorateRequest('facts', null as unknown as RequestFacts);
  app.addHook('onRequest', async (request) => {
    request.facts = { callerId: null, channel: null, messages: 0, accepted: 0 };
  });
  app.addHook('onResponse', async (request, reply) => {
    const f = request.facts;
    request.log.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime), caller: f.callerId, channel: f.channel, messages: f.messages, accepted: f.accepted },
      'api request',
    );
  });

  // Keep every body as raw bytes: the content hash and signature cover them exactly.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    readBody(payload as IncomingMessage, config.maxBodyBytes).then((body) => done(null, body), (e: Error) => done(e, undefined));
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) {
      return refuse(reply, deps, 413, 'MSG1000', tooLarge(config));
    }
    if (status >= 400 && status < 500) return refuse(reply, deps, status, 'MSG1000', error.message);
    request.log.error({ err: error }, 'unhandled error');
    return refuse(reply, deps, 500, 'MSG5001', 'the DIP could not process the request; nothing from it was stored; retry with back-off');
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    if (request.method !== 'POST' && /^\/([^/]+\/)?(dip-channel\/[^/]+|validate\/[^/]+\/[^/]+)\/?$/i.test(path)) {
      return refuse(reply.header('allow', 'POST'), deps, 405, 'MSG1000', `${path} accepts POST only`);
    }
    return refuse(reply, deps, 404, 'MSG1000', `no DIP endpoint ${request.method} ${path}; channels are at /${config.apiVersion}/dip-channel/{IF-xxx}`);
  });

  await app.register(healthRoutes(deps));
  await app.register(sendRoutes(deps));
  await app.register(validateRoutes(deps));
  return app;
}
