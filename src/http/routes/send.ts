/**
 * POST /{version}/dip-channel/{IF-xxx}: the send API (2.2.1 facts §3.1). The path and the caller's
 * credentials are checked from the headers, before the body is read; the body must then match the hash
 * that was signed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptBatch } from '../../ingress/accept.js';
import type { AppDeps } from '../context.js';
import { refusedWhilePaused } from '../paused.js';
import { signedGuards } from '../guards.js';

type Params = { version: string; id: string };

export function sendRoutes(deps: AppDeps) {
  const { config, catalogue, store, clock } = deps;
  const signed = signedGuards(deps);
  const ingress = {
    catalogue,
    schemas: deps.schemas,
    store,
    clock,
    registry: () => deps.registry.view(),
    environment: config.environment,
    maxFutureMs: config.signatureMaxSkewSeconds * 1000,
    maxMessages: config.maxMessages,
    checkReports: config.checkReports,
    closedVersions: new Set(config.closedSchemaVersions),
    randomHex: deps.randomHex,
    dipId: config.dipId,
    ticketUrl: deps.ticketUrl,
    onAccepted: deps.onAccepted,
  };

  const checkHeaders = (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply): void => {
    const channel = request.params.id.toUpperCase();
    request.facts.channel = channel;
    if (request.params.version !== config.apiVersion) {
      signed.refuseCall(
        request,
        reply,
        404,
        'MSG1000',
        `API version '${request.params.version}' is not served here; use /${config.apiVersion}/dip-channel/${channel}`,
      );
    } else if (!catalogue.channels.has(channel)) {
      signed.refuseCall(
        request,
        reply,
        404,
        'MSG1002',
        `'${request.params.id}' is not a DIP channel; channels are ${[...catalogue.channels.keys()].join(', ')}`,
      );
    } else if (!refusedWhilePaused(deps, signed, request, reply, channel)) {
      signed.authenticateHeaders(request, reply);
    }
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Params: Params }>(
      '/:version/dip-channel/:id',
      {
        // A refusal here is sent before the body is read; Fastify then stops the request.
        preParsing: async (request, reply, payload) => {
          checkHeaders(request, reply);
          return payload;
        },
      },
      async (request, reply) => {
        const body = signed.signedBody(request, reply);
        if (!body) return reply;
        const result = await acceptBatch(ingress, {
          channel: request.facts.channel!,
          body,
          caller: request.auth!.caller,
          requestId: request.id,
          method: request.method,
          path: request.url,
          remote: request.ip,
          startedAt: request.facts.startedAt,
          evidence: request.facts.evidence ?? null,
        });
        request.facts.audited = true; // with the messages, in their transaction
        request.facts.messages = result.response.messageArray.length;
        request.facts.accepted = result.accepted;
        request.facts.codes = result.response.messageArray.map((i) => (i.message ?? '').slice(0, 7));
        if (result.accepted > 0) deps.wakeDelivery?.();
        return reply.code(result.status).type('application/json').send(result.response);
      },
    );
  };
}
