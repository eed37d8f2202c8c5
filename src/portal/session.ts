/**
 * Portal sessions: a cookie the DIP seals with an HMAC (so every process holding the DIP's key agrees
 * and no session table is needed), naming the participant (and the portal user, if one signed in), an expiry and the CSRF token every form must
 * carry. Pure: keys, randomness and the time are given.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface PortalSession {
  /** The participant signed in. */
  dipId: string;
  /** The portal user signed in for it; null when signed in with an API key or a client certificate. */
  user: string | null;
  /** Epoch ms of the sign-in: a password set later (a reset) ends the session. */
  since: number;
  /** Carried by every form of the session and compared with this on every POST. */
  csrf: string;
  /** Epoch ms after which the cookie is refused. */
  expires: number;
}

export const SESSION_COOKIE = 'opendip_portal';
/** The double-submit token of the sign-in form, before there is a session. */
export const SIGN_IN_COOKIE = 'opendip_portal_signin';
export const SESSION_LIFETIME_MS = 8 * 3_600_000;

const mac = (key: Buffer, body: string): Buffer => createHmac('sha256', key).update('portal.').update(body).digest();

export function sealSession(key: Buffer, session: PortalSession): string {
  const body = Buffer.from(JSON.stringify(session), 'utf8').toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/** The session a cookie value names, or null when it is altered, malformed or expired. */
export function openSession(key: Buffer, value: string | undefined, now: number): PortalSession | null {
  if (!value) return null;
  const [body, given, extra] = value.split('.');
  if (!body || !given || extra !== undefined) return null;
  const expected = mac(key, body);
  const g = Buffer.from(given, 'base64url');
  if (g.length !== expected.length || !timingSafeEqual(g, expected)) return null;
  try {
    const s = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<PortalSession>;
    if (typeof s.dipId !== 'string' || typeof s.csrf !== 'string' || typeof s.expires !== 'number') return null;
    if ((s.user !== null && typeof s.user !== 'string') || typeof s.since !== 'number') return null;
    return s.expires > now ? { dipId: s.dipId, user: s.user, since: s.since, csrf: s.csrf, expires: s.expires } : null;
  } catch {
    return null;
  }
}

/** Constant-time comparison of a form's CSRF token with the session's. */
export function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Cookie pairs of a Cookie header. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

/** A Set-Cookie value: HTTP-only, same-site strict, scoped to /portal, Secure over TLS. */
export function cookie(name: string, value: string, o: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${name}=${value}`,
    'Path=/portal',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${o.maxAgeSeconds}`,
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');
}
