/**
 * POST /{version}/statusmessage (Level 4 reports, relayed to senders) and
 * GET /{version}/dip-channel/{id}/deliveryStatus/{recipient-id}/{message-id} (the journal of a message).
 */
import type { FastifyInstance } from 'fastify';
import { submitStatusMessages } from '../../status/inbound.js';
import { readJournalRecord } from '../../status/journal.js';
import { WHOLE } from '../../domain/entitlement.js';
import type { AppDeps } from '../context.js';
import { rolesFor } from '../../registry/entitlement.js';
import { signedGuards } from '../guards.js';

type StatusParams = { version: string };
type JournalParams = { version: string; id: string; recipient: string; sur: string };

export function statusRoutes(deps: AppDeps) {
  const { config, catalogue, store, clock } = deps;
  const signed = signedGuards(deps);
  const statusDeps = {
    store,
    schemas: deps.schemas,
    catalogue,
    registry: () => deps.registry.view(),
    clock,
    maxItems: config.maxMessages,
    rolesFor: (caller: string, participant: string) => rolesFor(deps.registry.view(), caller, participant),
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Params: StatusParams }>(
      '/:version/statusmessage',
      {
        preParsing: async (request, reply, payload) => {
          if (signed.versionServed(request, reply)) signed.authenticateHeaders(request, reply);
          return payload;
        },
      },
      async (request, reply) => {
        const body = signed.signedBody(request, reply);
        if (!body) return reply;
        const result = await submitStatusMessages(statusDeps, request.auth!.caller.dipId, body);
        request.facts.messages = result.response.messageArray.length;
        request.facts.accepted = result.relayed;
        if (result.relayed > 0) deps.wakeDelivery?.();
        return reply.code(result.status).type('application/json').send(result.response);
      },
    );

    app.get<{ Params: JournalParams }>(
      '/:version/dip-channel/:id/deliveryStatus/:recipient/:sur',
      {
        preParsing: async (request, reply, payload) => {
          request.facts.channel = request.params.id.toUpperCase();
          if (signed.versionServed(request, reply) && signed.authenticateHeaders(request, reply))
            signed.mayActFor(request, reply, request.params.recipient);
          return payload;
        },
      },
      async (request, reply) => {
        if (!signed.signedBody(request, reply)) return reply;
        const { recipient, sur } = request.params;
        const roles = request.roles!;
        const m = await store.messageByReference(sur);
        const isSender = m?.senderId === recipient && roles.includes(m.senderRole);
        const received =
          m && !isSender ? (await store.rolesAddressed(m.seq, recipient)).some((r) => roles.includes(r)) : false;
        // Not found and not yours look the same: the journal of someone else's message (or of a role you do not act in)
        // is none of your business.
        if (!m || m.channel !== request.facts.channel || (!isSender && !received)) return reply.code(204).send();
        const viewer = {
          isSender,
          sees: (r: string, role: string | null) => r === recipient && roles.includes(role ?? WHOLE),
        };
        return reply
          .code(200)
          .type('application/json')
          .send(await readJournalRecord(store, m, viewer));
      },
    );
  };
}
