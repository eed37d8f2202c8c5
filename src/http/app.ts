/**
 * buildApp: the HTTP face of the DIP. Routes are thin: they turn HTTP into use-case calls and back.
 * Bodies are kept raw (the signature covers the exact bytes); the use cases parse them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { requestFailure } from '../domain/response-items.js';
import { BodyError, createBodyReader } from './body.js';
import {
  clientErrorHandler,
  frameworkErrors,
  inflightRequests,
  installServerAnswers,
  MAX_PARAM_LENGTH,
  missingHost,
} from './protocol.js';
import { refuse, type AppDeps, type AwaitingContinue, type RequestFacts, type ServedRoute } from './context.js';
import { docsRoutes } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { openApiRoutes } from './routes/openapi.js';
import { opsRoutes } from './routes/ops.js';
import { sendRoutes } from './routes/send.js';
import { adminRoutes } from './routes/admin.js';
import { adminBehalfRoutes } from './routes/admin-behalf.js';
import { adminPauseRoutes } from './routes/admin-pause.js';
import { adminReleaseRoutes } from './routes/admin-release.js';
import { adminEndpointRoutes } from './routes/admin-endpoints.js';
import { adminRegistryRoutes } from './routes/admin-registry.js';
import { mpanRoutes } from './routes/mpans.js';
import { auditRoutes } from './routes/audit.js';
import { replayRoutes } from './routes/replay.js';
import { statusRoutes } from './routes/status.js';
import { validateRoutes } from './routes/validate.js';
import { webhookRoutes } from './routes/webhooks.js';
import { portalRoutes } from './routes/portal.js';

/** The methods a known DIP path accepts, for 405 answers. */
function allowedMethods(path: string): string[] | null {
  if (
    /^\/([^/]+\/)?validate\/[^/]+\/[^/]+\/?$/i.test(path) ||
    /^\/[^/]+\/(dip-channel\/[^/]+|statusmessage)\/?$/i.test(path)
  )
    return ['POST'];
  if (/^\/[^/]+\/(dip-channel\/[^/]+\/pubconfig|statusmessage\/config)\/[^/]+\/?$/i.test(path))
    return ['POST', 'DELETE'];
  if (/^\/[^/]+\/dip-channel\/[^/]+\/deliveryStatus\/[^/]+\/[^/]+\/?$/i.test(path)) return ['GET'];
  if (/^\/[^/]+\/(dip-channel\/[^/]+|statusmessage)\/(replay|requeue)\/[^/]+\/?$/i.test(path)) return ['POST'];
  if (/^\/[^/]+\/(dip-channel\/[^/]+|statusmessage)\/requeueStatus\/[^/]+\/?$/i.test(path)) return ['GET'];
  if (/^\/[^/]+\/audit\/(messages(\/[^/]+)?|calls)\/?$/i.test(path)) return ['GET'];
  if (/^(\/health|\/docs(\/[^/]+)?|\/[^/]+\/openapi\.json)\/?$/i.test(path)) return ['GET', 'HEAD'];
  return null;
}

const newFacts = (now: number): RequestFacts => ({
  startedAt: now,
  callerId: null,
  channel: null,
  messages: 0,
  accepted: 0,
  audited: false,
});

const tooLarge = (config: Readonly<Config>): string =>
  `the request body exceeds this DIP's limit of ${Math.floor(config.maxBodyBytes / 1048576)} MiB; send fewer messages per request`;

const SEND_ROUTE = '/:version/dip-channel/:id';

/** A send request's facts for the metrics, by channel of the catalogue only: a path names any string. */
function observeSend(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): void {
  const f = request.facts;
  const known = f.channel !== null && deps.catalogue.channels.has(f.channel);
  deps.observer?.send({
    channel: known ? f.channel! : 'unknown',
    status: reply.statusCode,
    codes: f.codes ?? [],
    bytes: Number(request.headers['content-length'] ?? 0) || 0,
    seconds: reply.elapsedTime / 1000,
  });
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const inflight = inflightRequests();
  const app = Fastify({
    loggerInstance: deps.logger,
    // One line per request, written by the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: config.maxBodyBytes,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // What Node or the router refuse before a route runs is answered in the DIP's shape too (protocol.ts).
    clientErrorHandler: clientErrorHandler(deps, inflight),
    frameworkErrors: frameworkErrors(deps, (reply, status, code, help) => {
      reply.request.facts ??= newFacts(deps.clock.now());
      return refuse(reply, deps, status, code, help);
    }),
    // Node would answer a missing Host with a bare 400; the onRequest hook answers it instead.
    ...(deps.tls
      ? {
          https: {
            key: deps.tls.key,
            cert: deps.tls.cert,
            ca: deps.tls.clientCa,
            requestCert: config.tls.mtls !== 'off',
            rejectUnauthorized: false,
            requireHostHeader: false,
          },
        }
      : { http: { requireHostHeader: false } }),
  }) as unknown as FastifyInstance;
  installServerAnswers(app.server, deps);
  inflight.watch(app.server);

  // Expect: 100-continue. An oversized body is refused at once; otherwise the request is routed without
  // inviting the body, and a route invites it (continueIfExpected) only once the headers pass its checks.
  app.server.on('checkContinue', (req: AwaitingContinue, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) > config.maxBodyBytes) {
      const body = requestFailure(config.dipId, 'MSG1000', tooLarge(config), deps.clock.now());
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
      return;
    }
    req.awaitingContinue = true;
    app.server.emit('request', req, res);
  });

  app.decorateRequest('facts', null as unknown as RequestFacts);
  app.addHook('onRequest', async (request, reply) => {
    request.facts = newFacts(deps.clock.now());
    if (missingHost(request)) {
      return refuse(
        reply.header('connection', 'close'),
        deps,
        400,
        'MSG1000',
        'an HTTP/1.1 request must carry a Host header: the signed URL is rebuilt from it',
      );
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const f = request.facts;
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        caller: f.callerId,
        channel: f.channel,
        messages: f.messages,
        accepted: f.accepted,
      },
      'api request',
    );
    if (request.method === 'POST' && request.routeOptions.url === SEND_ROUTE) observeSend(deps, request, reply);
    // Every call is audited (seed §7): who, what, when, outcome, latency. Probes, scrapes and reading the
    // API's description are not calls.
    if (f.audited || request.routeOptions.config?.apiCall === false) return;
    deps.callLog.record({
      at: f.startedAt,
      requestId: request.id,
      callerId: f.callerId,
      method: request.method,
      path: request.url,
      channel: f.channel,
      status: reply.statusCode,
      messages: f.messages,
      accepted: f.accepted,
      durationMs: Math.round(reply.elapsedTime),
      remote: request.ip,
      outcome: f.outcome ?? (reply.statusCode < 400 ? 'ok' : `refused ${reply.statusCode}`),
      evidence: f.evidence ?? null,
      onBehalfOf: f.onBehalfOf ?? null,
    });
  });

  // Keep every body as raw bytes: the content hash and signature cover them exactly.
  const bodies = createBodyReader(config.maxInflightBytes);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    // A request for no route is refused without reading its body: nobody has authenticated it.
    if (request.is404) return done(null, undefined);
    const limit = Math.min(request.routeOptions.bodyLimit ?? config.maxBodyBytes, config.maxBodyBytes);
    bodies.read(payload as IncomingMessage, limit).then(
      (body) => done(null, body),
      (e: Error) => done(e, undefined),
    );
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    // A body refused before it was read must not be left on a connection that is kept alive: Node would
    // read and discard all of it to find the next request.
    if (error instanceof BodyError || !request.raw.complete) reply.header('connection', 'close');
    if (status === 413) return refuse(reply, deps, 413, 'MSG1000', tooLarge(config));
    if (status === 429) {
      return refuse(
        reply.header('retry-after', '1'),
        deps,
        429,
        'MSG1000',
        'the DIP is reading as many large requests as it can hold; retry with back-off',
      );
    }
    if (status >= 400 && status < 500) return refuse(reply, deps, status, 'MSG1000', error.message);
    request.log.error({ err: error }, 'unhandled error');
    return refuse(
      reply,
      deps,
      500,
      'MSG5001',
      'the DIP could not answer this request; resend it: messages it already stored are reported as duplicates (MSG1006)',
    );
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    reply.header('connection', 'close');
    const allowed = allowedMethods(path);
    if (allowed && !allowed.includes(request.method)) {
      return refuse(
        reply.header('allow', allowed.join(', ')),
        deps,
        405,
        'MSG1000',
        `${path} accepts ${allowed.join(' and ')} only`,
      );
    }
    return refuse(
      reply,
      deps,
      404,
      'MSG1000',
      `no DIP endpoint ${request.method} ${path}; channels are at /${config.apiVersion}/dip-channel/{IF-xxx}`,
    );
  });

  // What the app serves, for the test that holds the API's description to it.
  const served: ServedRoute[] = [];
  app.decorate('servedRoutes', served);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) served.push({ method, url: route.url ?? route.path });
  });
  await app.register(healthRoutes(deps));
  await app.register(openApiRoutes(deps));
  await app.register(docsRoutes(deps));
  if (deps.ops) await app.register(opsRoutes(deps.ops));
  await app.register(sendRoutes(deps));
  await app.register(validateRoutes(deps));
  await app.register(webhookRoutes(deps));
  await app.register(statusRoutes(deps));
  await app.register(replayRoutes(deps));
  await app.register(auditRoutes(deps));
  await app.register(adminRoutes(deps));
  await app.register(adminBehalfRoutes(deps));
  await app.register(adminPauseRoutes(deps));
  await app.register(adminReleaseRoutes(deps));
  await app.register(adminEndpointRoutes(deps));
  await app.register(adminRegistryRoutes(deps));
  await app.register(mpanRoutes(deps));
  await app.register(portalRoutes(deps));
  return app;
}
