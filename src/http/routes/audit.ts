/**
 * Audit search for participants (seed §7), signed like every DIP call; OpenDIP's own addition, as the
 * published API has none. A participant sees the messages it sent itself (also as a DCP), and those sent by
 * or addressed to a participant in a role it acts in (its own roles, and those assigned to it as a DCP):
 *   GET /{version}/audit/messages?channel=&transactionID=&senderUniqueReference=&correlationID=
 *        &datetimeFrom=&datetimeTo=&MPAN=&senderID=&recipientID=&direction=&after=&limit=&journal=true
 *   GET /{version}/audit/messages/{transactionID}      the message and its journal (DIPJournalRecord)
 *   GET /{version}/audit/calls?datetimeFrom=&datetimeTo=&channel=&before=&limit=   its own API calls
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { callQueryFrom, createAudit, criteriaFrom } from '../../audit/audit.js';
import { entitlementsOf } from '../../registry/entitlement.js';
import type { AuditScope } from '../../domain/entitlement.js';
import type { AppDeps } from '../context.js';
import { signedGuards } from '../guards.js';
import { isBrowserVisit } from './portal.js';

type Query = Record<string, string | undefined>;

export function auditRoutes(deps: AppDeps) {
  const { store } = deps;
  const signed = signedGuards(deps);
  const audit = createAudit({ store, ticketUrl: deps.ticketUrl });

  const preParsing = async (
    request: FastifyRequest<{ Params: { version: string } }>,
    reply: FastifyReply,
    payload: unknown,
  ) => {
    if (signed.versionServed(request, reply)) signed.authenticateHeaders(request, reply);
    return payload;
  };
  /** The audit URL opened in a browser: the message's portal page, where the browser signs in. */
  const recordPreParsing = async (
    request: FastifyRequest<{ Params: { version: string; transaction: string } }>,
    reply: FastifyReply,
    payload: unknown,
  ) => {
    if (isBrowserVisit(request) && signed.versionServed(request, reply)) {
      request.facts.outcome = 'sent to the portal';
      reply
        .code(303)
        .header('location', `/portal/messages/${encodeURIComponent(request.params.transaction)}`)
        .send();
      return payload;
    }
    return preParsing(request, reply, payload);
  };
  /**
   * What the caller sees: what it sent, and the traffic of the roles it acts in (its own, and those assigned to it as a
   * DCP).
   */
  const scopeOf = (request: FastifyRequest): AuditScope => {
    const callerId = request.auth!.caller.dipId;
    return { callerId, entitlements: entitlementsOf(deps.registry.view(), callerId) };
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { version: string }; Querystring: Query }>(
      '/:version/audit/messages',
      { preParsing },
      async (request, reply) => {
        if (!signed.signedBody(request, reply)) return reply;
        const parsed = criteriaFrom(request.query);
        if (!parsed.ok) return signed.refuseCall(request, reply, 400, 'MSG1000', parsed.help);
        const { criteria, after, limit, journal } = parsed.value;
        const page = await audit.search(criteria, scopeOf(request), after, limit, journal);
        request.facts.messages = page.messages.length;
        return reply.code(200).type('application/json').send(page);
      },
    );

    app.get<{ Params: { version: string; transaction: string } }>(
      '/:version/audit/messages/:transaction',
      { preParsing: recordPreParsing },
      async (request, reply) => {
        if (!signed.signedBody(request, reply)) return reply;
        const record = await audit.record(request.params.transaction, scopeOf(request));
        // Not found and not yours look the same.
        if (!record) return reply.code(204).send();
        return reply.code(200).type('application/json').send(record);
      },
    );

    app.get<{ Params: { version: string }; Querystring: Query }>(
      '/:version/audit/calls',
      { preParsing },
      async (request, reply) => {
        if (!signed.signedBody(request, reply)) return reply;
        const asked = callQueryFrom(request.query, false);
        if (!asked.ok) return signed.refuseCall(request, reply, 400, 'MSG1000', asked.help);
        const { criteria, before, limit } = asked.value;
        const page = await audit.calls(criteria, [request.auth!.caller.dipId], before, limit);
        return reply.code(200).type('application/json').send(page);
      },
    );
  };
}
