/**
 * GET /{version}/admin/endpoints?recipient=&channel=&role=&breaker=&after=&limit=   delivery endpoints by
 * recipient, channel and role: breaker, next attempt, webhook, copies pending (capped), in keyset pages.
 */
import type { FastifyInstance } from 'fastify';
import { endpointListingFrom, listEndpoints } from '../../delivery/operator-endpoints.js';
import type { AppDeps } from '../context.js';
import { signedGuards } from '../guards.js';

export function adminEndpointRoutes(deps: AppDeps) {
  const signed = signedGuards(deps);

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { version: string }; Querystring: Record<string, unknown> }>(
      '/:version/admin/endpoints',
      { preParsing: signed.operatorPreParsing },
      async (request, reply) => {
        if (!signed.signedBody(request, reply)) return reply;
        const asked = endpointListingFrom(request.query);
        if (!asked.ok) return signed.refuseCall(request, reply, 400, 'MSG1000', asked.help);
        return reply.code(200).send(await listEndpoints(deps.store, asked.value));
      },
    );
  };
}
