/**
 * POST /{version}/admin/deliveries/release   {"ids": [...]} or a filter naming the recipient: give up on held
 * and pending copies (never one an endpoint's runner holds now); each message's sender is told as a dead letter
 * would tell it. At most QUEUE_ACTION_BATCH copies per call, `more` while some are left.
 */
import type { FastifyInstance } from 'fastify';
import { selectorsFrom } from '../../delivery/operator-queue.js';
import { release, RELEASE_FILTER_STATES } from '../../delivery/operator-release.js';
import type { AppDeps } from '../context.js';
import { signedGuards } from '../guards.js';

export function adminReleaseRoutes(deps: AppDeps) {
  const { store, clock } = deps;
  const signed = signedGuards(deps);

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Params: { version: string } }>(
      '/:version/admin/deliveries/release',
      { preParsing: signed.operatorPreParsing },
      async (request, reply) => {
        const body = signed.signedBody(request, reply);
        if (!body) return reply;
        const now = clock.now();
        const selectors = selectorsFrom(body, now, RELEASE_FILTER_STATES);
        if (!selectors.ok) return signed.refuseCall(request, reply, 400, 'MSG1000', selectors.help);
        const operatorId = request.auth!.caller.dipId;
        const result = await release(
          store,
          { dipId: deps.config.dipId, ticketUrl: deps.ticketUrl },
          selectors.value,
          now,
          operatorId,
        );
        request.facts.messages = result.released;
        // The notices are status messages due now.
        if (result.released > 0) deps.wakeDelivery?.();
        return reply.code(200).send(result);
      },
    );
  };
}
