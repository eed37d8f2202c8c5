/**
 * The registry and the audit trail of calls in the portal, over the same listings as the operator API
 * (registry/admin-view.ts, routes/admin-registry.ts) and the signed audit API (routes/audit.ts):
 *   GET /portal/account                                   the participant's roles, DCP grants, credentials, users
 *   GET /portal/calls?datetimeFrom=&datetimeTo=&channel=&before=      its own API calls
 *   GET /portal/operator/participants                     every participant, roles and grants
 *   GET /portal/operator/certificates?expiringWithinDays= every certificate and API key
 *   GET /portal/operator/mpans?mpan=&at=                  who serves an MPAN, and its history
 *   GET /portal/operator/calls?…&callerID=                everyone's API calls
 * Read only; each page view is an audited call.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { callQueryFrom, createAudit } from '../../audit/audit.js';
import { callsPage } from '../../portal/calls-pages.js';
import {
  accountPage,
  credentialsPage,
  mpanPage,
  participantsPage,
  type AppointmentRow,
} from '../../portal/registry-pages.js';
import type { PortalSession } from '../../portal/session.js';
import {
  credentialRows,
  EXPIRY_DAYS_HELP,
  expiryDaysOf,
  mpanForOperator,
  mpanQueryFrom,
  participantRows,
} from '../../registry/admin-view.js';
import { userState } from '../../registry/portal-users.js';
import type { AppDeps } from '../context.js';
import { fieldsOf, type PortalKit } from './portal-kit.js';

type Query = Record<string, string | undefined>;
const CALLS_PAGE = 50;

export function portalRegistryRoutes(deps: AppDeps, kit: PortalKit) {
  const { store, clock, registry } = deps;
  const audit = createAudit({ store, ticketUrl: deps.ticketUrl });

  const showCalls = async (
    request: FastifyRequest<{ Querystring: Query }>,
    reply: FastifyReply,
    s: PortalSession,
    operator: boolean,
  ) => {
    const action = operator ? '/portal/operator/calls' : '/portal/calls';
    const names = ['datetimeFrom', 'datetimeTo', 'channel', 'before', ...(operator ? ['callerID'] : [])];
    const query = fieldsOf(Object.entries(request.query), names);
    const view = { action, byCaller: operator, query, calls: [], next: null };
    const asked = callQueryFrom({ ...query, limit: String(CALLS_PAGE) }, operator);
    if (!asked.ok) return kit.page(reply, 400, 'API calls', s, callsPage({ ...view, error: asked.help }));
    const { criteria, before, limit } = asked.value;
    const found = await audit.calls(criteria, operator ? null : [s.dipId], before, limit);
    return kit.page(reply, 200, 'API calls', s, callsPage({ ...view, ...found, error: null }));
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/portal/account', async (request, reply) => {
      const s = await kit.sessionOf(request);
      if (!s) return kit.toSignIn(request, reply);
      const view = registry.view();
      const now = clock.now();
      const participant = participantRows(view).find((p) => p.dipId === s.dipId)!;
      const { certificates, apiKeys } = credentialRows(view, now, null);
      const users = (await store.portalUsers(s.dipId)).map((u) => ({ username: u.username, state: userState(u, now) }));
      const mine = <T extends { dipId: string }>(rows: T[]) => rows.filter((r) => r.dipId === s.dipId);
      const body = accountPage({ participant, certificates: mine(certificates), apiKeys: mine(apiKeys), users });
      return kit.page(reply, 200, 'Your account', s, body);
    });

    app.get<{ Querystring: Query }>('/portal/calls', async (request, reply) => {
      const s = await kit.sessionOf(request);
      return s ? showCalls(request, reply, s, false) : kit.toSignIn(request, reply);
    });

    app.get<{ Querystring: Query }>('/portal/operator/calls', async (request, reply) => {
      const s = await kit.operatorOf(request, reply);
      return s ? showCalls(request, reply, s, true) : reply;
    });

    app.get('/portal/operator/participants', async (request, reply) => {
      const s = await kit.operatorOf(request, reply);
      if (!s) return reply;
      return kit.page(reply, 200, 'Participants', s, participantsPage(participantRows(registry.view())));
    });

    app.get<{ Querystring: Query }>('/portal/operator/certificates', async (request, reply) => {
      const s = await kit.operatorOf(request, reply);
      if (!s) return reply;
      const asked = fieldsOf(Object.entries(request.query), ['expiringWithinDays']).expiringWithinDays;
      const days = asked ?? '';
      const within = expiryDaysOf(asked);
      if (within === undefined) {
        const body = credentialsPage({ days, certificates: [], apiKeys: [], error: EXPIRY_DAYS_HELP });
        return kit.page(reply, 400, 'Certificates and API keys', s, body);
      }
      const rows = credentialRows(registry.view(), clock.now(), within);
      return kit.page(reply, 200, 'Certificates and API keys', s, credentialsPage({ days, ...rows, error: null }));
    });

    app.get<{ Querystring: Query }>('/portal/operator/mpans', async (request, reply) => {
      const s = await kit.operatorOf(request, reply);
      if (!s) return reply;
      const q = fieldsOf(Object.entries(request.query), ['mpan', 'at']);
      const query = { mpan: q.mpan ?? '', at: q.at ?? '' };
      if (!q.mpan) return kit.page(reply, 200, 'MPAN lookup', s, mpanPage({ query, found: null, error: null }));
      const asked = mpanQueryFrom(q.mpan, q.at ? { at: q.at } : {}, clock.now());
      if (!asked.ok) return kit.page(reply, 400, 'MPAN lookup', s, mpanPage({ query, found: null, error: asked.help }));
      const found = await mpanForOperator(store, asked.value.mpan, asked.value.at);
      const services = found.services as Record<string, AppointmentRow | null>;
      request.facts.outcome = `portal: MPAN ${asked.value.mpan} looked up`;
      return kit.page(
        reply,
        200,
        `MPAN ${asked.value.mpan}`,
        s,
        mpanPage({ query, found: { at: found.at, services, history: found.history }, error: null }),
      );
    });
  };
}
