/** POST /{version}/dip-channel/{IF-xxx}: the send API (2.2.1 facts §3.1). */
import type { FastifyInstance } from 'fastify';
import { acceptBatch } from '../../ingress/accept.js';
import { authenticate, createCertificateCache } from '../../ingress/authenticate.js';
import { clientCertificateOf, publicUrlOf, refuse, type AppDeps } from '../app.js';

export function sendRoutes(deps: AppDeps) {
  const { config, catalogue, store, clock } = deps;
  const certificates = createCertificateCache();
  const ingress = {
    catalogue, schemas: deps.schemas, store, clock, registry: () => deps.registry.view(),
    environment: config.environment, maxFutureMs: config.signatureMaxSkewSeconds * 1000, randomHex: deps.randomHex,
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Params: { version: string; id: string } }>('/:version/dip-channel/:id', async (request, reply) => {
      const startedAt = clock.now();
      const channel = request.params.id.toUpperCase();
      request.facts.channel = channel;
      if (request.params.version !== config.apiVersion) {
        return refuse(reply, deps, 404, 'MSG1000', `API version '${request.params.version}' is not served here; use /${config.apiVersion}/dip-channel/${channel}`);
      }
      if (!catalogue.channels.has(channel)) {
        return refuse(reply, deps, 404, 'MSG1002', `'${request.params.id}' is not a DIP channel; channels are ${[...catalogue.channels.keys()].join(', ')}`);
      }
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const auth = authenticate(
        {
          method: request.method,
          url: publicUrlOf(request, config),
          headers: request.headers,
          body,
          clientCertificate: clientCertificateOf(request),
        },
        {
          registry: deps.registry.view(), anchors: deps.anchors, now: clock.now(), maxSkewMs: config.signatureMaxSkewSeconds * 1000,
          requireApiKey: config.requireApiKey, mtls: config.tls.mtls,
        },
        certificates,
      );
      if (!auth.ok) {
        await store.recordCall({
          at: startedAt, requestId: request.id, callerId: null, method: request.method, path: request.url, channel,
          status: auth.status, messages: 0, accepted: 0, durationMs: clock.now() - startedAt, remote: request.ip, outcome: `${auth.code}: ${auth.help}`,
        });
        return refuse(reply, deps, auth.status, auth.code, auth.help);
      }
      request.facts.callerId = auth.caller.dipId;
      const result = await acceptBatch(ingress, {
        channel, body, caller: auth.caller, requestId: request.id, method: request.method, path: request.url, remote: request.ip, startedAt,
      });
      request.facts.messages = result.response.messageArray.length;
      request.facts.accepted = result.accepted;
      return reply.code(result.status).type('application/json').send(result.response);
    });
  };
}
