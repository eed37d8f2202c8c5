/**
 * The registry part of the operator API, signed and open only to OPERATOR like the rest of /admin:
 *   GET /{version}/admin/participants                         roles and DCP grants
 *   GET /{version}/admin/certificates?expiringWithinDays=     certificates and API keys with their state
 *   GET /{version}/admin/mpans/{mpan}?at=                     who serves it at a time, and the history
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { credentialsListing, mpanForOperator, mpanQueryFrom, participantsListing } from '../../registry/admin-view.js';
import type { AppDeps } from '../context.js';
import { signedGuards } from '../guards.js';

type Query = Record<string, unknown>;

/** The registry's admin routes, for ADMIN_ROUTES (a real MPAN in the path, so the 403 test can call it). */
export const ADMIN_REGISTRY_ROUTES = [
  ['GET', '/admin/participants'],
  ['GET', '/admin/certificates'],
  ['GET', '/admin/mpans/1900000001017'],
] as const;

export function adminRegistryRoutes(deps: AppDeps) {
  const { store, clock } = deps;
  const signed = signedGuards(deps);
  const preParsing = signed.operatorPreParsing;
  type Answer = { ok: true; value: unknown } | { ok: false; code: 'MSG1000' | 'MSG1039'; help: string };
  const answer = (request: FastifyRequest, reply: FastifyReply, a: Answer): FastifyReply =>
    a.ok ? reply.code(200).send(a.value) : signed.refuseCall(request, reply, 400, a.code, a.help);

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { version: string }; Querystring: Query }>(
      '/:version/admin/participants',
      { preParsing },
      async (request, reply) => {
        if (!signed.signedBody(request, reply)) return reply;
        return answer(request, reply, participantsListing(deps.registry.view(), request.query));
      },
    );

    app.get<{ Params: { version: string }; Querystring: Query }>(
      '/:version/admin/certificates',
      { preParsing },
      async (request, reply) => {
        if (!signed.signedBody(request, reply)) return reply;
        return answer(request, reply, credentialsListing(deps.registry.view(), request.query, clock.now()));
      },
    );

    app.get<{ Params: { version: string; mpan: string }; Querystring: Query }>(
      '/:version/admin/mpans/:mpan',
      { preParsing },
      async (request, reply) => {
        if (!signed.signedBody(request, reply)) return reply;
        const asked = mpanQueryFrom(request.params.mpan, request.query, clock.now());
        if (!asked.ok) return answer(request, reply, asked);
        return reply.code(200).send(await mpanForOperator(store, asked.value.mpan, asked.value.at));
      },
    );
  };
}
