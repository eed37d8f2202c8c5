/**
 * Replay and requeue, signed and authorised like the send API (a recipient or its DCP, for its own id):
 *   POST /{version}/dip-channel/{id}/replay/{recipient-id}        → 200 / 206 + X-Continuation-Token
 *   POST /{version}/dip-channel/{id}/requeue/{recipient-id}       → 202 "requeue id"
 *   GET  /{version}/dip-channel/{id}/requeueStatus/{recipient-id}?requeue-id=
 * and the same three under /{version}/statusmessage/ for status messages.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { STATUS_CHANNEL } from '../../domain/delivery.js';
import { webhookInForce } from '../../registry/entitlement.js';
import { createReplay, type ReplayAnswer } from '../../replay/replay.js';
import type { AppDeps } from '../context.js';
import { signedGuards } from '../guards.js';

export type Params = { version: string; id?: string; recipient: string };
export type Query = { 'requeue-id'?: string };

/**
 * Replay and requeue over this DIP's store, catalogue, keys and registry: the signed API's and the portal's
 * (which reads replays in pages of at most `pageSize`, for a browser).
 */
export function replayOf(deps: AppDeps, pageSize = deps.config.replayPageSize) {
  const { config, catalogue, store, clock } = deps;
  return createReplay({
    store,
    catalogue,
    clock,
    continuationKey: deps.continuationKey,
    retention: config.retention,
    pageSize,
    randomHex: deps.randomHex,
    ticketUrl: deps.ticketUrl,
    webhookInForce: (recipientId) => webhookInForce(deps.registry.view(), config.dipId, recipientId),
  });
}

/**
 * The handlers of replay, requeue and requeueStatus for the recipient in the path, in the roles preParsing put
 * on request.roles: the participant's own paths use them, and so do the operator's on-behalf paths
 * (admin-behalf.ts), which set request.facts.onBehalfOf and so journal a requeue as the operator's.
 */
export function replayHandlers(deps: AppDeps, signed: ReturnType<typeof signedGuards>) {
  const replay = replayOf(deps);

  const continuation = (request: FastifyRequest): string | null => {
    const v = request.headers['x-continuation-token'];
    return (Array.isArray(v) ? v[0] : v) ?? null;
  };

  const answer = (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, a: ReplayAnswer) => {
    if (a.status === 400) return signed.refuseCall(request, reply, 400, a.code, a.help);
    request.facts.messages = a.count;
    deps.observer?.replayed(request.facts.channel!, a.count);
    if (a.continuation) reply.header('x-continuation-token', a.continuation);
    return reply.code(a.status).type('application/json').send(Readable.from(a.body));
  };

  const replayHandler = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const body = signed.signedBody(request, reply);
    if (!body) return reply;
    const call = {
      recipientId: request.params.recipient,
      roles: request.roles!,
      body,
      continuation: continuation(request),
    };
    const channel = request.facts.channel!;
    return answer(
      request,
      reply,
      channel === STATUS_CHANNEL ? await replay.statuses(call) : await replay.messages(channel, call),
    );
  };

  const requeueHandler = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const body = signed.signedBody(request, reply);
    if (!body) return reply;
    const requestedBy = request.auth!.caller.dipId;
    const forWhom = request.facts.onBehalfOf;
    const a = await replay.requeue(request.facts.channel!, {
      recipientId: request.params.recipient,
      roles: request.roles!,
      body,
      requestedBy,
      journalReason: forWhom ? `requeued by operator ${requestedBy} for ${forWhom}` : null,
    });
    if (a.status !== 202) return signed.refuseCall(request, reply, a.status, a.code, a.help);
    request.facts.messages = a.count;
    deps.observer?.requeued(request.facts.channel!, a.count);
    if (a.count > 0) deps.wakeDelivery?.();
    return reply.code(202).type('application/json').send(JSON.stringify(a.requeueId));
  };

  const statusHandler = async (
    request: FastifyRequest<{ Params: Params; Querystring: Query }>,
    reply: FastifyReply,
  ) => {
    if (!signed.signedBody(request, reply)) return reply;
    const id: unknown = request.query['requeue-id'];
    if (id !== undefined && typeof id !== 'string')
      return signed.refuseCall(request, reply, 400, 'MSG1000', 'give requeue-id once');
    const list = await replay.requeueStatus(
      request.facts.channel!,
      request.params.recipient,
      id ?? null,
      request.roles!,
    );
    if (list.length === 0) return reply.code(204).send();
    return reply.code(200).type('application/json').send(list);
  };

  return { replayHandler, requeueHandler, statusHandler };
}

export function replayRoutes(deps: AppDeps) {
  const signed = signedGuards(deps);
  const { replayHandler, requeueHandler, statusHandler } = replayHandlers(deps, signed);
  const preParsing = signed.recipientPreParsing;
  return async function routes(app: FastifyInstance): Promise<void> {
    for (const base of ['/:version/dip-channel/:id', '/:version/statusmessage']) {
      app.post<{ Params: Params }>(`${base}/replay/:recipient`, { preParsing }, replayHandler);
      app.post<{ Params: Params }>(`${base}/requeue/:recipient`, { preParsing }, requeueHandler);
      app.get<{ Params: Params; Querystring: Query }>(
        `${base}/requeueStatus/:recipient`,
        { preParsing },
        statusHandler,
      );
    }
  };
}
