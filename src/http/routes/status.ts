/**
 * POST /{version}/statusmessage (Level 4 reports, relayed to senders) and
 * GET /{version}/dip-channel/{id}/deliveryStatus/{recipient-id}/{message-id} (the journal of a message).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { submitStatusMessages } from '../../status/inbound.js';
import { journalRecord } from '../../status/journal.js';
import type { AppDeps } from '../app.js';
import { actsFor, signedRoutes } from '../signed.js';

type StatusParams = { version: string };
type JournalParams = { version: string; id: string; recipient: string; sur: string };

export function statusRoutes(deps: AppDeps) {
  const { config, catalogue, store, clock } = deps;
  const signed = signedRoutes(deps);
  const statusDeps = {
    store, schemas: deps.schemas, catalogue, registry: () => deps.registry.view(), clock, maxItems: config.maxMessages,
    actsFor: (caller: string, participant: string) => actsFor(deps.registry.view(), caller, participant),
  };
  const versionOk = (request: FastifyRequest<{ Params: { version: string } }>, reply: FastifyReply): boolean => {
    if (request.params.version === config.apiVersion) return true;
    signed.refuseCall(request, reply, 404, 'MSG1000', `API version '${request.params.version}' is not served here; use /${config.apiVersion}/...`);
    return false;
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Params: StatusParams }>('/:version/statusmessage', {
      preParsing: async (request, reply, payload) => {
        if (versionOk(request, reply)) signed.authenticateHeaders(request, reply);
        return payload;
      },
    }, async (request, reply) => {
      const body = signed.signedBody(request, reply);
      if (!body) return reply;
      const result = await submitStatusMessages(statusDeps, request.auth!.caller.dipId, body);
      request.facts.messages = result.response.messageArray.length;
      request.facts.accepted = result.relayed;
      if (result.relayed > 0) deps.onAccepted?.();
      return reply.code(result.status).type('application/json').send(result.response);
    });

    app.get<{ Params: JournalParams }>('/:version/dip-channel/:id/deliveryStatus/:recipient/:sur', {
      preParsing: async (request, reply, payload) => {
        request.facts.channel = request.params.id.toUpperCase();
        if (versionOk(request, reply) && signed.authenticateHeaders(request, reply)) signed.mayActFor(request, reply, request.params.recipient);
        return payload;
      },
    }, async (request, reply) => {
      if (!signed.signedBody(request, reply)) return reply;
      const { recipient, sur } = request.params;
      const m = await store.messageByReference(sur);
      const isSender = m?.senderId === recipient;
      // Not found and not yours look the same: the journal of someone else's message is none of your business.
      if (!m || m.channel !== request.facts.channel || (!isSender && !(await store.wasAddressedTo(m.seq, recipient)))) return reply.code(204).send();
      const [journal, copies, statuses] = await Promise.all([store.journalOf(m.seq), store.deliveriesOf(m.seq), store.statusMessagesOf(m.seq)]);
      const s1 = (JSON.parse(m.payload.toString('utf8')) as { CommonBlock?: { S1?: { senderTimestamp?: string } } }).CommonBlock?.S1;
      return reply.code(200).type('application/json').send(journalRecord(m, journal, copies, statuses, s1?.senderTimestamp ?? null, { dipId: recipient, isSender }));
    });
  };
}
