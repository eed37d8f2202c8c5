/**
 * The operator on a participant's behalf: the participant's own replay, requeue and requeueStatus paths under
 * /{version}/admin, the participant named where the path names the recipient:
 *   POST /{version}/admin/dip-channel/{id}/replay/{recipient-id}[?role=]        → 200 / 206 + X-Continuation-Token
 *   POST /{version}/admin/dip-channel/{id}/requeue/{recipient-id}[?role=]       → 202 "requeue id"
 *   GET  /{version}/admin/dip-channel/{id}/requeueStatus/{recipient-id}?requeue-id=[&role=]
 * and the same three under /{version}/admin/statusmessage/. Signed and open only to OPERATOR holders; the
 * handlers are the participant's own (routes/replay.ts) in the participant's roles (registry/on-behalf.ts), so
 * the answers, limits, tokens and progress are the participant's. The audit record names the operator as
 * caller and the participant acted for; a requeue's copies are journaled "requeued by operator X for Y".
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CHANNEL } from '../../domain/delivery.js';
import { rolesOnBehalf } from '../../registry/on-behalf.js';
import type { AppDeps } from '../context.js';
import { signedGuards } from '../guards.js';
import { replayHandlers, type Params, type Query } from './replay.js';

type BehalfQuery = Query & { role?: unknown };

/** A participant the demo market has, for the tests that walk every admin route. */
const EXAMPLE = '1000000001';

/** The on-behalf routes, with example values, for ADMIN_ROUTES. */
export const BEHALF_ROUTES = [
  ['POST', `/admin/dip-channel/IF-021/replay/${EXAMPLE}`],
  ['POST', `/admin/dip-channel/IF-021/requeue/${EXAMPLE}`],
  ['GET', `/admin/dip-channel/IF-021/requeueStatus/${EXAMPLE}`],
  ['POST', `/admin/statusmessage/replay/${EXAMPLE}`],
  ['POST', `/admin/statusmessage/requeue/${EXAMPLE}`],
  ['GET', `/admin/statusmessage/requeueStatus/${EXAMPLE}`],
] as const;

export function adminBehalfRoutes(deps: AppDeps) {
  const signed = signedGuards(deps);
  const { replayHandler, requeueHandler, statusHandler } = replayHandlers(deps, signed);

  /**
   * The caller holds OPERATOR, the channel is served and the participant is registered (holding the role
   * asked for); request.roles is then the participant's own entitlement. Runs before the body is read.
   */
  const preParsing = async (
    request: FastifyRequest<{ Params: Params; Querystring: BehalfQuery }>,
    reply: FastifyReply,
    payload: unknown,
  ): Promise<unknown> => {
    const { id, recipient } = request.params;
    const channel = id === undefined ? STATUS_CHANNEL : id.toUpperCase();
    request.facts.channel = channel;
    await signed.operatorPreParsing(request, reply, payload);
    if (reply.sent) return payload;
    if (channel !== STATUS_CHANNEL && !deps.catalogue.channels.has(channel)) {
      signed.refuseCall(request, reply, 404, 'MSG1002', `'${id}' is not a DIP channel`);
      return payload;
    }
    const behalf = rolesOnBehalf(deps.registry.view(), recipient, request.query.role);
    if (!behalf.ok) {
      signed.refuseCall(request, reply, behalf.status, 'MSG1000', behalf.help);
      return payload;
    }
    request.roles = behalf.roles;
    request.facts.onBehalfOf = recipient;
    return payload;
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    for (const base of ['/:version/admin/dip-channel/:id', '/:version/admin/statusmessage']) {
      app.post<{ Params: Params; Querystring: BehalfQuery }>(
        `${base}/replay/:recipient`,
        { preParsing },
        replayHandler,
      );
      app.post<{ Params: Params; Querystring: BehalfQuery }>(
        `${base}/requeue/:recipient`,
        { preParsing },
        requeueHandler,
      );
      app.get<{ Params: Params; Querystring: BehalfQuery }>(
        `${base}/requeueStatus/:recipient`,
        { preParsing },
        statusHandler,
      );
    }
  };
}
