/**
 * The operator API (OpenDIP's own; the published DIP API has none), signed like every DIP call and open only
 * to participants holding the OPERATOR role (operatorPreParsing answers everyone else 403):
 *   GET  /{version}/admin/deliveries/count?state=&recipient=&role=&channel=&olderThanMinutes=
 *   GET  /{version}/admin/deliveries?state=…&after=&limit=     a page of copies, `next` for the following one
 *   POST /{version}/admin/deliveries/redrive   {"ids": [...]} or a filter: held and dead copies pending, due now
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { countCopies, listCopies, listingFrom, redrive, selectorsFrom } from '../../delivery/operator-queue.js';
import type { AppDeps } from '../context.js';
import { ADMIN_REGISTRY_ROUTES } from './admin-registry.js';
import { signedGuards } from '../guards.js';
import { BEHALF_ROUTES } from './admin-behalf.js';

type Query = Record<string, unknown>;

/** Every admin route, for the tests that must reach each one. */
export const ADMIN_ROUTES = [
  ['GET', '/admin/deliveries/count'],
  ['GET', '/admin/deliveries'],
  ['POST', '/admin/deliveries/redrive'],
  ...BEHALF_ROUTES,
  ['POST', '/admin/pause'],
  ['POST', '/admin/resume'],
  ['GET', '/admin/pauses'],
  ['POST', '/admin/deliveries/release'],
  ['GET', '/admin/endpoints'],
  ...ADMIN_REGISTRY_ROUTES,
] as const;

export function adminRoutes(deps: AppDeps) {
  const { store, clock } = deps;
  const signed = signedGuards(deps);
  const preParsing = signed.operatorPreParsing;

  const listing = (request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    if (!signed.signedBody(request, reply)) return null;
    const parsed = listingFrom(request.query, clock.now());
    if (!parsed.ok) {
      signed.refuseCall(request, reply, 400, 'MSG1000', parsed.help);
      return null;
    }
    return parsed.value;
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { version: string }; Querystring: Query }>(
      '/:version/admin/deliveries/count',
      { preParsing },
      async (request, reply) => {
        const asked = listing(request, reply);
        if (!asked) return reply;
        return reply.code(200).send(await countCopies(store, asked.filter));
      },
    );

    app.get<{ Params: { version: string }; Querystring: Query }>(
      '/:version/admin/deliveries',
      { preParsing },
      async (request, reply) => {
        const asked = listing(request, reply);
        if (!asked) return reply;
        const page = await listCopies(store, asked);
        request.facts.messages = page.copies.length;
        return reply.code(200).send(page);
      },
    );

    app.post<{ Params: { version: string } }>(
      '/:version/admin/deliveries/redrive',
      { preParsing },
      async (request, reply) => {
        const body = signed.signedBody(request, reply);
        if (!body) return reply;
        const now = clock.now();
        const selectors = selectorsFrom(body, now, ['held', 'dead']);
        if (!selectors.ok) return signed.refuseCall(request, reply, 400, 'MSG1000', selectors.help);
        const result = await redrive(store, selectors.value, now, request.auth!.caller.dipId);
        if (result.redriven > 0) deps.wakeDelivery?.();
        return reply.code(200).send(result);
      },
    );
  };
}
