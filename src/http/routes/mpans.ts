/**
 * GET /{version}/mpans/{mpan}/appointments?at= (OpenDIP's own): who serves an MPAN, for a participant that
 * serves it now or served it at the time asked (itself, or as the DCP of one that does). Anyone else gets
 * 204, exactly as for an MPAN nobody serves, so the answer leaks nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mpanForParticipant, mpanQueryFrom } from '../../registry/admin-view.js';
import type { AppDeps } from '../context.js';
import { signedGuards } from '../guards.js';

export function mpanRoutes(deps: AppDeps) {
  const { store, clock } = deps;
  const signed = signedGuards(deps);
  const preParsing = async (
    request: FastifyRequest<{ Params: { version: string } }>,
    reply: FastifyReply,
    payload: unknown,
  ): Promise<unknown> => {
    if (signed.versionServed(request, reply)) signed.authenticateHeaders(request, reply);
    return payload;
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { version: string; mpan: string }; Querystring: Record<string, unknown> }>(
      '/:version/mpans/:mpan/appointments',
      { preParsing },
      async (request, reply) => {
        if (!signed.signedBody(request, reply)) return reply;
        const now = clock.now();
        const asked = mpanQueryFrom(request.params.mpan, request.query, now);
        if (!asked.ok) return signed.refuseCall(request, reply, 400, asked.code, asked.help);
        const { mpan, at } = asked.value;
        const found = await mpanForParticipant(store, deps.registry.view(), request.auth!.caller.dipId, mpan, at, now);
        return found ? reply.code(200).send(found) : reply.code(204).send();
      },
    );
  };
}
