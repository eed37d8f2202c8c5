/**
 * POST /{version}/dip-channel/{IF-xxx}: the send API (2.2.1 facts §3.1). The path and the caller's
 * credentials are checked from the headers, before the body is read; the body must then match the hash
 * that was signed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MsgCode } from '../../domain/responses.js';
import { acceptBatch } from '../../ingress/accept.js';
import { authenticate, bodyHashProblem, createCertificateCache, type AuthResult } from '../../ingress/authenticate.js';
import { clientCertificateOf, continueIfExpected, publicUrlOf, refuse, type AppDeps } from '../app.js';

type Params = { version: string; id: string };
type Authenticated = Extract<AuthResult, { ok: true }>;

declare module 'fastify' {
  interface FastifyRequest {
    auth?: Authenticated;
  }
}

export function sendRoutes(deps: AppDeps) {
  const { config, catalogue, store, clock, callLog } = deps;
  const certificates = createCertificateCache();
  const ingress = {
    catalogue, schemas: deps.schemas, store, clock, registry: () => deps.registry.view(), environment: config.environment,
    maxFutureMs: config.signatureMaxSkewSeconds * 1000, maxMessages: config.maxMessages, randomHex: deps.randomHex,
  };

  /** Refuses the request as a whole, auditing it; the body, if any, is never read. */
  const refuseCall = (request: FastifyRequest, reply: FastifyReply, status: number, code: MsgCode, help: string): FastifyReply => {
    const now = clock.now();
    callLog.record({
      at: now, requestId: request.id, callerId: request.auth?.caller.dipId ?? null, method: request.method, path: request.url,
      channel: request.facts.channel, status, messages: 0, accepted: 0, durationMs: Math.max(0, now - request.facts.startedAt), remote: request.ip,
      outcome: `${code}: ${help}`,
    });
    return refuse(reply.header('connection', 'close'), deps, status, code, help, request.auth?.caller.dipId ?? null);
  };

  const checkHeaders = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply): Promise<void> => {
    const channel = request.params.id.toUpperCase();
    request.facts.channel = channel;
    if (request.params.version !== config.apiVersion) {
      refuseCall(request, reply, 404, 'MSG1000', `API version '${request.params.version}' is not served here; use /${config.apiVersion}/dip-channel/${channel}`);
      return;
    }
    if (!catalogue.channels.has(channel)) {
      refuseCall(request, reply, 404, 'MSG1002', `'${request.params.id}' is not a DIP channel; channels are ${[...catalogue.channels.keys()].join(', ')}`);
      return;
    }
    const auth = authenticate(
      { method: request.method, url: publicUrlOf(request, config), headers: request.headers, clientCertificate: clientCertificateOf(request) },
      {
        registry: deps.registry.view(), anchors: deps.anchors, clientAnchors: deps.clientAnchors, now: clock.now(),
        maxSkewMs: config.signatureMaxSkewSeconds * 1000, requireApiKey: config.requireApiKey, mtls: config.tls.mtls,
      },
      certificates,
    );
    if (!auth.ok) {
      refuseCall(request, reply, auth.status, auth.code, auth.help);
      return;
    }
    request.auth = auth;
    request.facts.callerId = auth.caller.dipId;
    continueIfExpected(request, reply);
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Params: Params }>('/:version/dip-channel/:id', {
      // A refusal here is sent before the body is read; Fastify then stops the request.
      preParsing: async (request, reply, payload) => {
        await checkHeaders(request, reply);
        return payload;
      },
    }, async (request, reply) => {
      const auth = request.auth!;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const tampered = bodyHashProblem(body, auth.contentHash);
      if (tampered && !tampered.ok) return refuseCall(request, reply, tampered.status, tampered.code, tampered.help);
      const result = await acceptBatch(ingress, {
        channel: request.facts.channel!, body, caller: auth.caller, requestId: request.id, method: request.method, path: request.url,
        remote: request.ip, startedAt: request.facts.startedAt,
      });
      request.facts.messages = result.response.messageArray.length;
      request.facts.accepted = result.accepted;
      return reply.code(result.status).type('application/json').send(result.response);
    });
  };
}
