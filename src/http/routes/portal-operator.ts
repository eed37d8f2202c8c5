/**
 * The operator's pages of the portal, open only to a participant holding the OPERATOR role, over the same
 * parsing and store operations as the operator API (routes/admin.ts, admin-release.ts, admin-endpoints.ts):
 *   GET  /portal/operator/deliveries?state=&recipient=&channel=&role=&olderThanMinutes=&after=
 *   POST /portal/operator/deliveries/redrive|release   the filter of the page, with the session's CSRF token
 *   GET  /portal/operator/endpoints?recipient=&channel=&role=&breaker=&after=
 *   GET  /portal/operator/users          every participant's portal users
 *   POST /portal/operator/users          username, participant: a one-time sign-in link, shown once
 *   POST /portal/operator/users/remove   username: the user and its sessions end
 * An action runs its store batches until none is left, as `opendip admin redrive` does, then shows the page
 * again with what it changed. Each is an audited call of the operator.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BREAKER_STATES } from '../../domain/endpoint-view.js';
import { QUEUE_STATES } from '../../domain/queue.js';
import { endpointListingFrom, listEndpoints } from '../../delivery/operator-endpoints.js';
import { countCopies, listCopies, listingFrom, redrive, selectorsFrom } from '../../delivery/operator-queue.js';
import { release, RELEASE_FILTER_STATES } from '../../delivery/operator-release.js';
import {
  deliveriesPage,
  endpointsPage,
  usersPage,
  ENDPOINT_FIELDS,
  QUEUE_FIELDS,
} from '../../portal/operator-pages.js';
import { issuePortalLink, userState } from '../../registry/portal-users.js';
import { sameToken, type PortalSession } from '../../portal/session.js';
import { publicUrlOf, type AppDeps } from '../context.js';
import { fieldsOf, formOf, type PortalKit } from './portal-kit.js';

const PAGE_SIZE = 50;
const FILTER_NAMES = ['state', ...QUEUE_FIELDS.map(([n]) => n)];

export function portalOperatorRoutes(deps: AppDeps, kit: PortalKit) {
  const { store, clock } = deps;

  const { operatorOf } = kit;

  const showDeliveries = async (
    reply: FastifyReply,
    s: PortalSession,
    status: number,
    query: Record<string, string>,
    after: string | undefined,
    said: { notice?: string; error?: string } = {},
  ) => {
    const notice = said.notice ?? null;
    const view = { csrf: s.csrf, states: QUEUE_STATES, query, count: null, copies: [], next: null, notice };
    const asked = listingFrom(
      { state: 'dead', ...query, ...(after ? { after } : {}), limit: String(PAGE_SIZE) },
      clock.now(),
    );
    if (!asked.ok) return kit.page(reply, 400, 'Deliveries', s, deliveriesPage({ ...view, error: asked.help }));
    const [count, page] = await Promise.all([countCopies(store, asked.value.filter), listCopies(store, asked.value)]);
    return kit.page(
      reply,
      status,
      'Deliveries',
      s,
      deliveriesPage({ ...view, count, copies: page.copies, next: page.next, error: said.error ?? null }),
    );
  };

  const action = (kind: 'redrive' | 'release') => async (request: FastifyRequest, reply: FastifyReply) => {
    const s = await operatorOf(request, reply);
    if (!s) return reply;
    const form = formOf(request.body);
    const query = fieldsOf(form.entries(), FILTER_NAMES);
    if (!sameToken(form.get('csrf'), s.csrf)) {
      return showDeliveries(reply, s, 403, query, undefined, {
        error: 'The form expired: nothing changed. Send it again.',
      });
    }
    const now = clock.now();
    const states = kind === 'redrive' ? (['held', 'dead'] as const) : RELEASE_FILTER_STATES;
    const selectors = selectorsFrom(Buffer.from(JSON.stringify(query)), now, states);
    if (!selectors.ok)
      return showDeliveries(reply, s, 400, query, undefined, { error: `Nothing changed: ${selectors.help}` });
    let changed = 0;
    for (let more = true; more;) {
      const r =
        kind === 'redrive'
          ? await redrive(store, selectors.value, now, s.dipId)
          : await release(
              store,
              { dipId: deps.config.dipId, ticketUrl: deps.ticketUrl },
              selectors.value,
              now,
              s.dipId,
            );
      const n = 'redriven' in r ? r.redriven : r.released;
      changed += n;
      more = r.more && n > 0;
    }
    if (changed > 0) deps.wakeDelivery?.();
    request.facts.messages = changed;
    request.facts.channel = query.channel ?? null;
    request.facts.outcome = `portal: ${changed} copies ${kind === 'redrive' ? 'redriven' : 'released'}`;
    const notice = `${changed} ${changed === 1 ? 'copy' : 'copies'} ${kind === 'redrive' ? 'redriven: due now' : 'released: their senders are told'}.`;
    return showDeliveries(reply, s, 200, query, undefined, { notice });
  };

  const showUsers = async (
    reply: FastifyReply,
    s: PortalSession,
    status: number,
    more: Partial<Pick<Parameters<typeof usersPage>[0], 'issued' | 'notice' | 'error' | 'draft'>> = {},
  ) => {
    const view = deps.registry.view();
    const participants = view.participants().map((p) => ({ dipId: p.dipId, name: p.name }));
    const nameOf = (id: string) => view.participant(id)?.name ?? id;
    const now = clock.now();
    const users = (await store.portalUsers(null)).map((u) => ({
      username: u.username,
      dipId: u.dipId,
      participant: nameOf(u.dipId),
      state: userState(u, now),
    }));
    const body = usersPage({
      csrf: s.csrf,
      participants,
      users,
      issued: null,
      notice: null,
      error: null,
      draft: { username: '', participant: participants[0]?.dipId ?? '' },
      ...more,
    });
    return kit.page(reply, status, 'Portal users', s, body);
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/portal/operator/users', async (request, reply) => {
      const s = await operatorOf(request, reply);
      return s ? showUsers(reply, s, 200) : reply;
    });

    app.post('/portal/operator/users', async (request, reply) => {
      const s = await operatorOf(request, reply);
      if (!s) return reply;
      const form = formOf(request.body);
      const draft = { username: (form.get('username') ?? '').trim(), participant: form.get('participant') ?? '' };
      if (!sameToken(form.get('csrf'), s.csrf)) {
        return showUsers(reply, s, 403, { draft, error: 'The form expired: no link was issued. Send it again.' });
      }
      const issued = await issuePortalLink(store, deps.registry.view(), {
        username: draft.username,
        dipId: draft.participant,
        issuedBy: s.dipId,
        now: clock.now(),
      });
      if (!issued.ok) return showUsers(reply, s, 400, { draft, error: `No link issued: ${issued.problem}.` });
      request.facts.outcome = `portal: sign-in link issued for ${draft.username} of ${draft.participant}`;
      const origin = publicUrlOf(request, deps.config).slice(0, -request.url.length);
      return showUsers(reply, s, 200, {
        issued: {
          username: draft.username,
          url: `${origin}${issued.path}`,
          expiresAt: new Date(issued.expiresAt).toISOString(),
        },
      });
    });

    app.post('/portal/operator/users/remove', async (request, reply) => {
      const s = await operatorOf(request, reply);
      if (!s) return reply;
      const form = formOf(request.body);
      if (!sameToken(form.get('csrf'), s.csrf)) {
        return showUsers(reply, s, 403, { error: 'The form expired: nobody was removed. Send it again.' });
      }
      const username = form.get('username') ?? '';
      const removed = await store.removePortalUser(username);
      if (removed) request.facts.outcome = `portal: user ${username} removed`;
      return showUsers(
        reply,
        s,
        removed ? 200 : 404,
        removed ? { notice: `Removed ${username}: their sessions end now.` } : { error: `No user ${username}.` },
      );
    });

    app.get<{ Querystring: Record<string, string | undefined> }>(
      '/portal/operator/deliveries',
      async (request, reply) => {
        const s = await operatorOf(request, reply);
        if (!s) return reply;
        const query = fieldsOf(Object.entries(request.query), FILTER_NAMES);
        return showDeliveries(reply, s, 200, query, request.query.after);
      },
    );
    app.post('/portal/operator/deliveries/redrive', action('redrive'));
    app.post('/portal/operator/deliveries/release', action('release'));

    app.get<{ Querystring: Record<string, string | undefined> }>(
      '/portal/operator/endpoints',
      async (request, reply) => {
        const s = await operatorOf(request, reply);
        if (!s) return reply;
        const query = fieldsOf(Object.entries(request.query), [...ENDPOINT_FIELDS.map(([n]) => n), 'breaker']);
        const view = { breakers: BREAKER_STATES, query, endpoints: [], next: null };
        const asked = endpointListingFrom({
          ...query,
          ...(request.query.after ? { after: request.query.after } : {}),
          limit: String(PAGE_SIZE),
        });
        if (!asked.ok) return kit.page(reply, 400, 'Endpoints', s, endpointsPage({ ...view, error: asked.help }));
        const found = await listEndpoints(store, asked.value);
        return kit.page(
          reply,
          200,
          'Endpoints',
          s,
          endpointsPage({ ...view, endpoints: found.endpoints, next: found.next, error: null }),
        );
      },
    );
  };
}
