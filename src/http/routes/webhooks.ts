/**
 * POST/DELETE /{version}/dip-channel/{id}/pubconfig/{recipient-id} and
 * POST/DELETE /{version}/statusmessage/config/{recipient-id}: webhooks, signed and authorised like the send
 * API; a participant configures its own, or its DIP Connection Provider does.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseWebhookConfig } from '../../delivery/webhooks.js';
import type { AppDeps } from '../app.js';
import { signedRoutes } from '../signed.js';

type Params = { version: string; id?: string; recipient: string };

export function webhookRoutes(deps: AppDeps) {
  const { store, clock } = deps;
  const signed = signedRoutes(deps);

  const preParsing = signed.recipientPreParsing;

  const save = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const body = signed.signedBody(request, reply);
    if (!body) return reply;
    const parsed = parseWebhookConfig(body);
    if (!parsed.ok) return signed.refuseCall(request, reply, 400, 'MSG1000', parsed.help);
    const { recipient } = request.params;
    await store.saveWebhook({
      recipientId: recipient, channel: request.facts.channel!, callbackUrl: parsed.callbackUrl, maxMessageCount: parsed.maxMessageCount,
      maxPayloadKb: parsed.maxPayloadKb, configuredBy: request.auth!.caller.dipId,
    }, clock.now());
    deps.onAccepted?.();
    return reply.code(201).type('application/json').send({
      callbackURL: parsed.callbackUrl, maxMessageCount: parsed.maxMessageCount, maxPayloadSize: parsed.maxPayloadKb,
    });
  };

  const remove = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    if (!signed.signedBody(request, reply)) return reply;
    await store.deleteWebhook(request.params.recipient, request.facts.channel!);
    return reply.code(204).send();
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    for (const path of ['/:version/dip-channel/:id/pubconfig/:recipient', '/:version/statusmessage/config/:recipient']) {
      app.post<{ Params: Params }>(path, { preParsing }, save);
      app.delete<{ Params: Params }>(path, { preParsing }, remove);
    }
  };
}
