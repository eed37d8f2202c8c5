/**
 * The portal's ways in and out:
 *   GET  /portal/sign-in?next=            the form (and, when the browser presented a registered client
 *                                         certificate, a button to sign in with it)
 *   POST /portal/sign-in                  username and password (a portal user), or DIP id and API key
 *   POST /portal/sign-in/certificate      the TLS client certificate of this connection
 *   GET  /portal/welcome?link=            a one-time link: the form where its user sets a password
 *   POST /portal/welcome                  sets it, spends the link, signs in
 *   POST /portal/sign-out
 * Every form before a session carries the double-submit token of SIGN_IN_COOKIE; a session's forms its
 * CSRF token. Credentials are checked as the signed API checks them (ingress/authenticate.ts): a retired
 * API key or certificate signs nobody in.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashPassword } from '../../crypto/passwords.js';
import { passwordProblem, type PortalUser } from '../../domain/portal-user.js';
import { apiKeyHolder, clientCertificateOwner } from '../../ingress/authenticate.js';
import { trusted } from '../../portal/html.js';
import {
  cookie,
  parseCookies,
  sameToken,
  sealSession,
  SESSION_COOKIE,
  SESSION_LIFETIME_MS,
  SIGN_IN_COOKIE,
} from '../../portal/session.js';
import { linkGonePage, signInPage, welcomePage, type SignInView } from '../../portal/sign-in-pages.js';
import { hashLinkToken, passwordSignIn } from '../../registry/portal-users.js';
import { clientCertificateOf, type AppDeps } from '../context.js';
import { formOf, type PortalKit } from './portal-kit.js';

/** Where a participant lands after signing in. */
export const HOME = '/portal/dashboard';

/** Only a path inside the portal may be where sign-in sends the browser next. */
export const safeNext = (next: unknown): string =>
  typeof next === 'string' && /^\/portal\/[^/\\]/.test(next) && !next.includes('//') ? next : HOME;

export function portalSignInRoutes(deps: AppDeps, kit: PortalKit) {
  const { secure } = kit;

  /** The participant whose registered, unretired client certificate this connection presented. */
  const certificateHolder = (request: FastifyRequest): string | null => {
    const cert = clientCertificateOf(request);
    if (!cert) return null;
    const policy = { clientAnchors: deps.clientAnchors, registry: deps.registry.view(), now: deps.clock.now() };
    const owner = clientCertificateOwner(cert, policy);
    return owner.ok ? owner.dipId : null;
  };

  /** A fresh double-submit token, set as the sign-in cookie. */
  const formToken = (reply: FastifyReply): string => {
    const token = randomBytes(18).toString('base64url');
    reply.header('set-cookie', cookie(SIGN_IN_COOKIE, token, { secure, maxAgeSeconds: 3600 }));
    return token;
  };

  const showSignIn = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    view: Partial<Omit<SignInView, 'token' | 'certificate'>>,
  ) => {
    const holder = certificateHolder(request);
    const certificate = holder
      ? { dipId: holder, name: deps.registry.view().participant(holder)?.name ?? holder }
      : null;
    const page = signInPage({
      token: formToken(reply),
      next: HOME,
      error: null,
      username: '',
      participant: '',
      certificate,
      ...view,
    });
    return kit.page(reply, status, 'Sign in', null, page);
  };

  /** Whether the form carries the token its sign-in cookie holds. */
  const tokenMatches = (request: FastifyRequest, form: URLSearchParams): boolean => {
    const expected = parseCookies(request.headers.cookie).get(SIGN_IN_COOKIE);
    return expected !== undefined && sameToken(form.get('token'), expected);
  };

  const signedIn = (
    request: FastifyRequest,
    reply: FastifyReply,
    who: { dipId: string; user: string | null },
    how: string,
    next: string,
  ) => {
    const now = deps.clock.now();
    request.facts.callerId = who.dipId;
    request.facts.outcome = `portal sign-in ${how}`;
    const session = sealSession(kit.key, {
      dipId: who.dipId,
      user: who.user,
      since: now,
      csrf: randomBytes(18).toString('base64url'),
      expires: now + SESSION_LIFETIME_MS,
    });
    return reply
      .code(303)
      .header('set-cookie', [
        cookie(SESSION_COOKIE, session, { secure, maxAgeSeconds: SESSION_LIFETIME_MS / 1000 }),
        cookie(SIGN_IN_COOKIE, '', { secure, maxAgeSeconds: 0 }),
      ])
      .header('location', next)
      .send();
  };

  /** The form where a one-time link's user chooses a password. */
  const showWelcome = (reply: FastifyReply, status: number, user: PortalUser, link: string, error: string | null) => {
    const name = deps.registry.view().participant(user.dipId)?.name ?? user.dipId;
    const participant = `${name} (${user.dipId})`;
    const body = welcomePage({ token: formToken(reply), link, username: user.username, participant, error });
    return kit.page(reply, status, 'Welcome', null, body);
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: { next?: string } }>('/portal/sign-in', async (request, reply) =>
      showSignIn(request, reply, 200, { next: safeNext(request.query.next) }),
    );

    app.post('/portal/sign-in', async (request, reply) => {
      const form = formOf(request.body);
      const next = safeNext(form.get('next'));
      if (!tokenMatches(request, form)) {
        return showSignIn(request, reply, 403, { next, error: 'The sign-in form expired; sign in again.' });
      }
      const username = (form.get('username') ?? '').trim();
      if (username) {
        const user = await passwordSignIn(deps.store, deps.registry.view(), username, form.get('password') ?? '');
        if (!user) {
          request.facts.outcome = 'portal sign-in refused';
          return showSignIn(request, reply, 401, { next, username, error: 'That username and password do not match.' });
        }
        return signedIn(request, reply, { dipId: user.dipId, user: user.username }, `as ${user.username}`, next);
      }
      const participant = (form.get('participant') ?? '').trim();
      const key = apiKeyHolder(form.get('apiKey') ?? '', deps.registry.view(), deps.clock.now());
      if (!participant || !key.ok || key.dipId !== participant) {
        request.facts.outcome = 'portal sign-in refused';
        return showSignIn(request, reply, 401, { next, participant, error: 'That DIP id and API key do not match.' });
      }
      return signedIn(request, reply, { dipId: participant, user: null }, 'with an API key', next);
    });

    app.post('/portal/sign-in/certificate', async (request, reply) => {
      const form = formOf(request.body);
      const next = safeNext(form.get('next'));
      if (!tokenMatches(request, form)) {
        return showSignIn(request, reply, 403, { next, error: 'The sign-in form expired; sign in again.' });
      }
      const holder = certificateHolder(request);
      if (!holder) {
        request.facts.outcome = 'portal sign-in refused';
        return showSignIn(request, reply, 401, {
          next,
          error: 'This browser presented no client certificate registered to a participant.',
        });
      }
      return signedIn(request, reply, { dipId: holder, user: null }, 'with a client certificate', next);
    });

    app.get<{ Querystring: { link?: string } }>('/portal/welcome', async (request, reply) => {
      const link = typeof request.query.link === 'string' ? request.query.link : '';
      const user = link ? await deps.store.portalUserByLink(hashLinkToken(link), deps.clock.now()) : null;
      if (!user) return kit.page(reply, 404, 'Sign-in link not valid', null, linkGonePage());
      return showWelcome(reply, 200, user, link, null);
    });

    app.post('/portal/welcome', async (request, reply) => {
      const form = formOf(request.body);
      const link = form.get('link') ?? '';
      const now = deps.clock.now();
      const user = link ? await deps.store.portalUserByLink(hashLinkToken(link), now) : null;
      if (!user) return kit.page(reply, 404, 'Sign-in link not valid', null, linkGonePage());
      const refuse = (status: number, error: string) => showWelcome(reply, status, user, link, error);
      if (!tokenMatches(request, form)) return refuse(403, 'The form expired; choose your password again.');
      const password = form.get('password') ?? '';
      const problem = passwordProblem(password, form.get('confirmation') ?? '');
      if (problem) return refuse(400, `Choose another password: ${problem}.`);
      // Spent in the statement that sets the password: a second browser on the same link finds it gone.
      const redeemed = await deps.store.redeemPortalLink(hashLinkToken(link), await hashPassword(password), now);
      if (!redeemed) return kit.page(reply, 404, 'Sign-in link not valid', null, linkGonePage());
      return signedIn(
        request,
        reply,
        { dipId: redeemed.dipId, user: redeemed.username },
        `as ${redeemed.username}, password set`,
        HOME,
      );
    });

    app.post('/portal/sign-out', async (request, reply) => {
      const s = await kit.sessionOf(request);
      if (s && !sameToken(formOf(request.body).get('csrf'), s.csrf)) {
        return kit.page(reply, 403, 'Not signed out', s, trusted('<p class="error">The form expired; try again.</p>'));
      }
      return reply
        .code(303)
        .header('set-cookie', cookie(SESSION_COOKIE, '', { secure, maxAgeSeconds: 0 }))
        .header('location', '/portal/sign-in')
        .send();
    });
  };
}
