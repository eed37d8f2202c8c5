/**
 * POST/DELETE /{version}/dip-channel/{id}/pubconfig/{recipient-id} and
 * POST/DELETE /{version}/statusmessage/config/{recipient-id}: webhooks, signed and authorised like the send
 * API. A participant configures its own channel-wide webhook, or one for a single role with `?role=`; its
 * DIP Connection Provider configures the roles it was assigned, and no other.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { configuredRoles, parseWebhookConfig } from '../../delivery/webhooks.js';
import type { AppDeps } from '../context.js';
import { signedGuards } from '../guards.js';

type Params = { version: string; id?: string; recipient: string };
type Query = { role?: string | string[] };

export function webhookRoutes(deps: AppDeps) {
  const { store, clock } = deps;
  const signed = signedGuards(deps);

  const preParsing = signed.recipientPreParsing;

  /** The roles this call configures, or null once the refusal is sent. */
  const rolesOf = (
    request: FastifyRequest<{ Params: Params; Querystring: Query }>,
    reply: FastifyReply,
  ): string[] | null => {
    const asked = request.query.role;
    const target = Array.isArray(asked)
      ? { ok: false as const, status: 400 as const, help: 'give the role parameter once' }
      : configuredRoles(asked ?? null, request.roles!, request.params.recipient);
    if (!target.ok) {
      signed.refuseCall(request, reply, target.status, 'MSG1000', target.help);
      return null;
    }
    request.facts.outcome = `roles ${target.roles.map((r) => r || '(all, the participant’s own)').join(', ')}`;
    return target.roles;
  };

  const save = async (request: FastifyRequest<{ Params: Params; Querystring: Query }>, reply: FastifyReply) => {
    const body = signed.signedBody(request, reply);
    if (!body) return reply;
    const roles = rolesOf(request, reply);
    if (!roles) return reply;
    const parsed = parseWebhookConfig(body);
    if (!parsed.ok) return signed.refuseCall(request, reply, 400, 'MSG1000', parsed.help);
    const { recipient } = request.params;
    await store.saveWebhooks(
      roles.map((role) => ({
        recipientId: recipient,
        channel: request.facts.channel!,
        role,
        callbackUrl: parsed.callbackUrl,
        maxMessageCount: parsed.maxMessageCount,
        maxPayloadKb: parsed.maxPayloadKb,
        configuredBy: request.auth!.caller.dipId,
      })),
      clock.now(),
    );
    deps.wakeDelivery?.();
    return reply.code(201).type('application/json').send({
      callbackURL: parsed.callbackUrl,
      maxMessageCount: parsed.maxMessageCount,
      maxPayloadSize: parsed.maxPayloadKb,
    });
  };

  const remove = async (request: FastifyRequest<{ Params: Params; Querystring: Query }>, reply: FastifyReply) => {
    if (!signed.signedBody(request, reply)) return reply;
    const roles = rolesOf(request, reply);
    if (!roles) return reply;
    await store.deleteWebhooks(request.params.recipient, request.facts.channel!, roles);
    return reply.code(204).send();
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    for (const path of [
      '/:version/dip-channel/:id/pubconfig/:recipient',
      '/:version/statusmessage/config/:recipient',
    ]) {
      app.post<{ Params: Params; Querystring: Query }>(path, { preParsing }, save);
      app.delete<{ Params: Params; Querystring: Query }>(path, { preParsing }, remove);
    }
  };
}
