/**
 * The portal at /portal: server-rendered pages over the same audit use cases and entitlement rules as the
 * signed API (routes/audit.ts), for a participant signed in (portal-sign-in.ts) by one of its portal users,
 * its client certificate or an API key. Sessions are sealed cookies (src/portal/session.ts); every POST
 * carries the session's CSRF token. Each page view is an audited call of the participant.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createAudit, criteriaFrom, viewerOf } from '../../audit/audit.js';
import { createPayloadBuilder } from '../../delivery/payloads.js';
import type { AuditScope } from '../../domain/entitlement.js';
import { formatDateTime } from '../../domain/time.js';
import { entitlementsOf } from '../../registry/entitlement.js';
import { messagePage, notFoundPage, searchPage, SEARCH_PARAMETERS } from '../../portal/pages.js';
import type { PortalSession } from '../../portal/session.js';
import { workflowPage } from '../../portal/workflow-pages.js';
import type { AppDeps } from '../context.js';
import { portalDashboardRoutes } from './portal-dashboard.js';
import { createPortalKit } from './portal-kit.js';
import { portalOperatorRoutes } from './portal-operator.js';
import { portalOverviewRoutes } from './portal-overview.js';
import { portalRegistryRoutes } from './portal-registry.js';
import { portalReplayRoutes } from './portal-replay.js';
import { portalRequeueRoutes } from './portal-requeue.js';
import { HOME, portalSignInRoutes } from './portal-sign-in.js';
import { portalWebhookRoutes } from './portal-webhooks.js';

const PAGE_SIZE = 50;
/** Messages of a workflow shown at once: a workflow is a handful, a long-running one is paged. */
const WORKFLOW_PAGE = 200;

export function portalRoutes(deps: AppDeps) {
  const audit = createAudit({ store: deps.store, ticketUrl: deps.ticketUrl });
  const kit = createPortalKit(deps);
  // Builds a payload as a role was sent it, for the message page; nothing is cached for a page view.
  const payloads = createPayloadBuilder(deps.catalogue, deps.store, 0, deps.ticketUrl);
  const { sessionOf, page, toSignIn } = kit;
  const scopeOf = (s: PortalSession): AuditScope => ({
    callerId: s.dipId,
    entitlements: entitlementsOf(deps.registry.view(), s.dipId),
  });

  return async function routes(app: FastifyInstance): Promise<void> {
    await app.register(portalSignInRoutes(deps, kit));
    await app.register(portalWebhookRoutes(deps, kit));
    await app.register(portalOperatorRoutes(deps, kit));
    await app.register(portalRequeueRoutes(deps, kit));
    await app.register(portalReplayRoutes(deps, kit));
    await app.register(portalDashboardRoutes(deps, kit));
    await app.register(portalOverviewRoutes(deps, kit));
    await app.register(portalRegistryRoutes(deps, kit));
    app.get('/portal', async (request, reply) =>
      reply
        .code(303)
        .header('location', (await sessionOf(request)) ? HOME : '/portal/sign-in')
        .send(),
    );

    app.get<{ Querystring: Record<string, string | undefined> }>('/portal/messages', async (request, reply) => {
      const s = await sessionOf(request);
      if (!s) return toSignIn(request, reply);
      const known = new Set<string>([...SEARCH_PARAMETERS, 'after', 'limit']);
      const query: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.query))
        if (known.has(k) && typeof v === 'string' && v.trim() !== '') query[k] = v.trim();
      const parsed = criteriaFrom({ limit: String(PAGE_SIZE), ...query });
      if (!parsed.ok)
        return page(reply, 400, 'Messages', s, searchPage({ query, rows: [], next: null, error: parsed.help }));
      const { criteria, after, limit } = parsed.value;
      const found = await audit.search(criteria, scopeOf(s), after, limit);
      request.facts.messages = found.messages.length;
      return page(
        reply,
        200,
        'Messages',
        s,
        searchPage({ query, rows: found.messages, next: found.next, error: null }),
      );
    });

    app.get<{ Params: { correlation: string }; Querystring: { after?: string } }>(
      '/portal/workflows/:correlation',
      async (request, reply) => {
        const s = await sessionOf(request);
        if (!s) return toSignIn(request, reply);
        const scope = scopeOf(s);
        const after = /^\d{1,15}$/.test(request.query.after ?? '') ? Number(request.query.after) : null;
        const correlationId = request.params.correlation;
        const found = await deps.store.searchMessages({ correlationId }, scope, after, WORKFLOW_PAGE + 1);
        const shown = found.slice(0, WORKFLOW_PAGE);
        const steps = await Promise.all(
          shown.map(async (m) => {
            const viewer = viewerOf(m, scope);
            const copies = (await deps.store.deliveriesOf(m.seq)).filter(
              (c) => viewer.isSender || viewer.sees(c.recipientId, c.role),
            );
            return {
              transactionID: m.transactionId,
              transactionTimestamp: formatDateTime(m.receivedAt),
              channel: m.channel,
              eventCode: m.eventCode,
              senderID: m.senderId,
              senderRoleID: m.senderRole,
              MPAN: m.mpan,
              copies: copies.map((c) => ({ recipientId: c.recipientId, role: c.role, state: c.state })),
            };
          }),
        );
        request.facts.messages = steps.length;
        const next = found.length > WORKFLOW_PAGE ? String(shown.at(-1)!.seq) : null;
        return page(reply, 200, `Workflow ${correlationId}`, s, workflowPage({ correlationId, steps, next }));
      },
    );

    app.get<{ Params: { transaction: string } }>('/portal/messages/:transaction', async (request, reply) => {
      const s = await sessionOf(request);
      if (!s) return toSignIn(request, reply);
      const scope = scopeOf(s);
      const record = await audit.record(request.params.transaction, scope);
      if (!record) return page(reply, 404, 'Message not found', s, notFoundPage());
      // The payload as sent is shown to its sender (or whoever acts for it); a recipient sees it as its
      // roles were sent it, so that an obfuscated channel shows nobody what its role is not given.
      const [found] = await deps.store.searchMessages({ transactionId: request.params.transaction }, scope, null, 1);
      const viewer = found ? viewerOf(found, scope) : null;
      const copies = found
        ? (await deps.store.deliveriesOf(found.seq)).filter(
            (c) => viewer!.isSender || viewer!.sees(c.recipientId, c.role),
          )
        : [];
      const archived =
        found && copies.length + (viewer!.isSender ? 1 : 0) > 0 ? await deps.store.messageBySeq(found.seq) : null;
      const payload = archived && viewer!.isSender ? archived.payload.toString('utf8') : null;
      const roles = new Map(copies.map((c) => [c.role ?? '', c.publicationId ?? '']));
      // Roles sent the same bytes (a channel that hides nothing from them) are shown once.
      const byPayload = new Map<string, string[]>();
      if (archived)
        for (const [role, publication] of roles) {
          const payload = payloads.asDelivered(archived, role || null, publication).toString('utf8');
          byPayload.set(payload, [...(byPayload.get(payload) ?? []), role]);
        }
      const delivered = [...byPayload].map(([payload, roles]) => ({ roles, payload }));
      const time = (t: number | null): string | null => (t === null ? null : formatDateTime(t));
      return page(
        reply,
        200,
        `Message ${record.message.transactionID}`,
        s,
        messagePage({
          message: record.message,
          journal: (record.journal.JournalEntries ?? []) as Record<string, unknown>[],
          payload,
          copies: copies.map((c) => ({
            recipientId: c.recipientId,
            role: c.role,
            state: c.state,
            attempts: c.attempts,
            lastAttemptAt: time(c.lastAttemptAt),
            nextAttemptAt: time(c.nextAttemptAt),
            lastStatus: c.lastStatus,
            lastError: c.lastError,
          })),
          delivered,
        }),
      );
    });
  };
}

/** A browser opening a message's audit URL (serviceTicketURL) unsigned: it is sent to the message's portal page. */
export function isBrowserVisit(request: FastifyRequest): boolean {
  const h = request.headers;
  return h['x-dip-signature'] === undefined && String(h.accept ?? '').includes('text/html');
}
