/**
 * Continuation tokens for replays that page (206 + X-Continuation-Token): opaque to the caller, and sealed
 * with an HMAC so that a token cannot be altered, nor used for another request, recipient or channel.
 * Pure: the key is given.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface Continuation {
  /** Hash of what the request asked (path and body), so the token serves only the request that got it. */
  request: string;
  /** Where the next page starts: the last item of this one. */
  after: unknown;
}

const b64url = (b: Buffer): string => b.toString('base64url');

/** The fingerprint of a request a token is bound to. */
export function requestFingerprint(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('base64url');
}

export function sealContinuation(key: Buffer, c: Continuation): string {
  const body = Buffer.from(JSON.stringify(c), 'utf8');
  return `${b64url(body)}.${b64url(createHmac('sha256', key).update(body).digest())}`;
}

/** The continuation, or null when the token was not sealed with this key for this request. */
export function openContinuation(key: Buffer, token: string, request: string): Continuation | null {
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined) return null;
  const bytes = Buffer.from(body, 'base64url');
  const expected = createHmac('sha256', key).update(bytes).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const c = JSON.parse(bytes.toString('utf8')) as Continuation;
    return c.request === request ? c : null;
  } catch {
    return null;
  }
}
