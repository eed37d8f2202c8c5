/**
 * The portal at /portal: server-rendered pages over the same audit use cases and entitlement rules as the
 * signed API (routes/audit.ts), for a participant signed in with its DIP id and an API key the operator
 * issued. Sessions are sealed cookies (src/portal/session.ts); every POST carries the session's CSRF token
 * (the sign-in form a double-submit token). Each page view is an audited call of the participant.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createAudit, criteriaFrom, viewerOf } from '../../audit/audit.js';
import type { AuditScope } from '../../domain/entitlement.js';
import { entitlementsOf } from '../../registry/entitlement.js';
import { trusted } from '../../portal/html.js';
import { messagePage, notFoundPage, searchPage, signInPage, SEARCH_FIELDS } from '../../portal/pages.js';
import {
  cookie,
  parseCookies,
  sameToken,
  sealSession,
  SESSION_COOKIE,
  SESSION_LIFETIME_MS,
  SIGN_IN_COOKIE,
  type PortalSession,
} from '../../portal/session.js';
import type { AppDeps } from '../context.js';
import { createPortalKit, formOf } from './portal-kit.js';
import { portalOperatorRoutes } from './portal-operator.js';
import { portalRequeueRoutes } from './portal-requeue.js';
import { portalWebhookRoutes } from './portal-webhooks.js';

const PAGE_SIZE = 50;

/** Only a path inside the portal may be where sign-in sends the browser next. */
const safeNext = (next: unknown): string =>
  typeof next === 'string' && /^\/portal\/[^/\\]/.test(next) && !next.includes('//') ? next : '/portal/messages';

export function portalRoutes(deps: AppDeps) {
  const audit = createAudit({ store: deps.store, ticketUrl: deps.ticketUrl });
  const kit = createPortalKit(deps);
  const { sessionOf, page, toSignIn, key, secure } = kit;
  const scopeOf = (s: PortalSession): AuditScope => ({
    callerId: s.dipId,
    entitlements: entitlementsOf(deps.registry.view(), s.dipId),
  });

  const showSignIn = (reply: FastifyReply, status: number, next: string, error: string | null, participant = '') => {
    const token = randomBytes(18).toString('base64url');
    reply.header('set-cookie', cookie(SIGN_IN_COOKIE, token, { secure, maxAgeSeconds: 3600 }));
    return page(reply, status, 'Sign in', null, signInPage({ token, next, error, participant }));
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    await app.register(portalWebhookRoutes(deps, kit));
    await app.register(portalOperatorRoutes(deps, kit));
    await app.register(portalRequeueRoutes(deps, kit));
    app.get('/portal', async (request, reply) =>
      reply
        .code(303)
        .header('location', sessionOf(request) ? '/portal/messages' : '/portal/sign-in')
        .send(),
    );

    app.get<{ Querystring: { next?: string } }>('/portal/sign-in', async (request, reply) =>
      showSignIn(reply, 200, safeNext(request.query.next), null),
    );

    app.post('/portal/sign-in', async (request, reply) => {
      const form = formOf(request.body);
      const next = safeNext(form.get('next'));
      const expected = parseCookies(request.headers.cookie).get(SIGN_IN_COOKIE);
      if (!expected || !sameToken(form.get('token'), expected)) {
        return showSignIn(reply, 403, next, 'The sign-in form expired; sign in again.');
      }
      const participant = (form.get('participant') ?? '').trim();
      const owner = deps.registry.view().apiKeyOwner(form.get('apiKey') ?? '');
      if (!participant || owner !== participant) {
        request.facts.outcome = 'portal sign-in refused';
        return showSignIn(reply, 401, next, 'That DIP id and API key do not match.', participant);
      }
      request.facts.callerId = participant;
      request.facts.outcome = 'portal sign-in';
      const session = sealSession(key, {
        dipId: participant,
        csrf: randomBytes(18).toString('base64url'),
        expires: deps.clock.now() + SESSION_LIFETIME_MS,
      });
      return reply
        .code(303)
        .header('set-cookie', [
          cookie(SESSION_COOKIE, session, { secure, maxAgeSeconds: SESSION_LIFETIME_MS / 1000 }),
          cookie(SIGN_IN_COOKIE, '', { secure, maxAgeSeconds: 0 }),
        ])
        .header('location', next)
        .send();
    });

    app.post('/portal/sign-out', async (request, reply) => {
      const s = sessionOf(request);
      if (s && !sameToken(formOf(request.body).get('csrf'), s.csrf)) {
        return page(reply, 403, 'Not signed out', s, trusted('<p class="error">The form expired; try again.</p>'));
      }
      return reply
        .code(303)
        .header('set-cookie', cookie(SESSION_COOKIE, '', { secure, maxAgeSeconds: 0 }))
        .header('location', '/portal/sign-in')
        .send();
    });

    app.get<{ Querystring: Record<string, string | undefined> }>('/portal/messages', async (request, reply) => {
      const s = sessionOf(request);
      if (!s) return toSignIn(request, reply);
      const known = new Set<string>([...SEARCH_FIELDS.map(([n]) => n), 'after', 'limit']);
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

    app.get<{ Params: { transaction: string } }>('/portal/messages/:transaction', async (request, reply) => {
      const s = sessionOf(request);
      if (!s) return toSignIn(request, reply);
      const scope = scopeOf(s);
      const record = await audit.record(request.params.transaction, scope);
      if (!record) return page(reply, 404, 'Message not found', s, notFoundPage());
      // The payload as sent is shown to its sender (or whoever acts for it); recipients of an obfuscated
      // channel must not see what their role is not given.
      const [found] = await deps.store.searchMessages({ transactionId: request.params.transaction }, scope, null, 1);
      const archived = found && viewerOf(found, scope).isSender ? await deps.store.messageBySeq(found.seq) : null;
      const payload = archived ? archived.payload.toString('utf8') : null;
      return page(
        reply,
        200,
        `Message ${record.message.transactionID}`,
        s,
        messagePage({
          message: record.message,
          journal: (record.journal.JournalEntries ?? []) as Record<string, unknown>[],
          payload,
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
