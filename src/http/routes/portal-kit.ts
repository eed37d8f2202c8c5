/** What every portal route is built from: the session of a request and the page around a body. */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OPERATOR_ROLE } from '../../domain/model.js';
import { trusted, type Html } from '../../portal/html.js';
import { layout } from '../../portal/pages.js';
import { openSession, parseCookies, SESSION_COOKIE, type PortalSession } from '../../portal/session.js';
import type { AppDeps } from '../context.js';

export const formOf = (body: unknown): URLSearchParams =>
  new URLSearchParams(Buffer.isBuffer(body) ? body.toString('utf8') : '');

/** The named, non-empty fields of a query or form, trimmed. */
export function fieldsOf(source: Iterable<[string, unknown]>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of source) if (names.includes(k) && typeof v === 'string' && v.trim() !== '') out[k] = v.trim();
  return out;
}

/** What every portal route is built from: the session of a request and the page around a body. */
export interface PortalKit {
  /** The key sessions are sealed with. */
  key: Buffer;
  /** Cookies are Secure: the DIP serves HTTPS. */
  secure: boolean;
  /** The session of the request, while its participant (and its portal user, unchanged since) exists. */
  sessionOf(request: FastifyRequest): Promise<PortalSession | null>;
  /** The session's participant holds the OPERATOR role (now: the registry may have changed). */
  isOperator(s: PortalSession): boolean;
  page(
    reply: FastifyReply,
    status: number,
    title: string,
    s: PortalSession | null,
    body: Html,
    options?: { refreshSeconds?: number | null },
  ): FastifyReply;
  toSignIn(request: FastifyRequest, reply: FastifyReply): FastifyReply;
  /** The operator's session, or null with the reply already sent (sign-in, or 403 for a participant). */
  operatorOf(request: FastifyRequest, reply: FastifyReply): Promise<PortalSession | null>;
}

export function createPortalKit(deps: AppDeps): PortalKit {
  // Derived from the DIP's signing key: every process of one DIP opens the others' sessions.
  const key = createHash('sha256')
    .update('opendip portal sessions\n')
    .update(deps.continuationKey.current.key)
    .digest();
  const secure = deps.config.tls.enabled;
  const environment = deps.config.environment;

  const sessionOf = async (request: FastifyRequest): Promise<PortalSession | null> => {
    const s = openSession(key, parseCookies(request.headers.cookie).get(SESSION_COOKIE), deps.clock.now());
    // A participant removed from the registry is signed out; so is a user removed, or reset since.
    if (!s || !deps.registry.view().participant(s.dipId)) return null;
    if (s.user !== null) {
      const u = await deps.store.portalUser(s.user);
      if (!u || u.dipId !== s.dipId || u.passwordSetAt === null || u.passwordSetAt > s.since) return null;
    }
    request.facts.callerId = s.dipId;
    return s;
  };
  const isOperator = (s: PortalSession): boolean =>
    deps.registry.view().participant(s.dipId)?.roles.includes(OPERATOR_ROLE) ?? false;
  const page: PortalKit['page'] = (reply, status, title, s, body, options = {}) => {
    const name = s ? (deps.registry.view().participant(s.dipId)?.name ?? s.dipId) : '';
    const signedIn = s ? { dipId: s.dipId, user: s.user, name, csrf: s.csrf, operator: isOperator(s) } : null;
    return (
      reply
        .code(status)
        .header('cache-control', 'no-store')
        .header('x-frame-options', 'DENY')
        // A one-time link's token is in its URL: no page tells another site where it came from.
        .header('referrer-policy', 'no-referrer')
        .header('content-security-policy', "default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        .type('text/html; charset=utf-8')
        .send(layout({ title, signedIn, environment, refreshSeconds: options.refreshSeconds ?? null }, body).html)
    );
  };
  const toSignIn = (request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(303)
      .header('location', `/portal/sign-in?next=${encodeURIComponent(request.url)}`)
      .send();

  const operatorOf = async (request: FastifyRequest, reply: FastifyReply): Promise<PortalSession | null> => {
    const s = await sessionOf(request);
    if (!s) {
      toSignIn(request, reply);
      return null;
    }
    if (isOperator(s)) return s;
    request.facts.outcome = 'portal: not an operator';
    page(
      reply,
      403,
      'Operators only',
      s,
      trusted(`<p class="error">These pages are open only to participants holding the ${OPERATOR_ROLE} role.</p>`),
    );
    return null;
  };

  return { key, secure, sessionOf, isOperator, page, toSignIn, operatorOf };
}
