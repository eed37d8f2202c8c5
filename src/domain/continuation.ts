/**
 * Continuation tokens for replays that page (206 + X-Continuation-Token): opaque to the caller, and sealed
 * with an HMAC so that a token cannot be altered, nor used for another request, recipient or channel.
 * A token names the key that sealed it and carries its expiry, so the DIP's signing key can be rotated
 * while tokens are outstanding: keys retired by a rotation keep opening the tokens they sealed until those
 * expire. Pure: the keys and the time are given.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface Continuation {
  /** Hash of what the request asked (path and body), so the token serves only the request that got it. */
  request: string;
  /** Where the next page starts: the last item of this one. */
  after: unknown;
  /** Epoch ms after which the token is refused (absent on tokens sealed before tokens expired). */
  expires?: number;
}

/** One sealing key and the id a token names it by. */
export interface ContinuationKey {
  id: string;
  key: Buffer;
}

/** The key that seals new tokens, and the keys of retired signing keys, which only open tokens. */
export interface ContinuationKeys {
  current: ContinuationKey;
  previous: ContinuationKey[];
}

/** How long a token continues its replay: a paging client asks for the next page within seconds. */
export const CONTINUATION_LIFETIME_MS = 24 * 3_600_000;

const b64url = (b: Buffer): string => b.toString('base64url');

/** The sealing key derived from a signing key's PEM (so every process holding that key agrees), and its id. */
export function continuationKeyOf(signingKeyPem: string): ContinuationKey {
  const key = createHash('sha256').update('opendip continuation tokens\n').update(signingKeyPem).digest();
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

/** The fingerprint of a request a token is bound to. */
export function requestFingerprint(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('base64url');
}

const mac = (key: Buffer, id: string, body: Buffer): Buffer =>
  createHmac('sha256', key).update(id).update('.').update(body).digest();

/** `<key id>.<body>.<mac>`, sealed with the current key, expiring CONTINUATION_LIFETIME_MS after `now`. */
export function sealContinuation(keys: ContinuationKeys, c: Omit<Continuation, 'expires'>, now: number): string {
  const { id, key } = keys.current;
  const body = Buffer.from(JSON.stringify({ ...c, expires: now + CONTINUATION_LIFETIME_MS }), 'utf8');
  return `${id}.${b64url(body)}.${b64url(mac(key, id, body))}`;
}

const sameMac = (given: string, expected: Buffer): boolean => {
  const g = Buffer.from(given, 'base64url');
  return g.length === expected.length && timingSafeEqual(g, expected);
};

/**
 * The continuation, or null when the token was not sealed by one of these keys for this request, or has
 * expired. A two-part token (`<body>.<mac>`, from before tokens named their key) opens with the current key.
 */
export function openContinuation(
  keys: ContinuationKeys,
  token: string,
  request: string,
  now: number,
): Continuation | null {
  const parts = token.split('.');
  let bytes: Buffer;
  if (parts.length === 2) {
    bytes = Buffer.from(parts[0]!, 'base64url');
    if (!sameMac(parts[1]!, createHmac('sha256', keys.current.key).update(bytes).digest())) return null;
  } else if (parts.length === 3) {
    const [id, body, given] = parts as [string, string, string];
    const key = [keys.current, ...keys.previous].find((k) => k.id === id);
    if (!key) return null;
    bytes = Buffer.from(body, 'base64url');
    if (!sameMac(given, mac(key.key, id, bytes))) return null;
  } else return null;
  try {
    const c = JSON.parse(bytes.toString('utf8')) as Continuation;
    if (c.request !== request) return null;
    return parts.length === 2 || (typeof c.expires === 'number' && now < c.expires) ? c : null;
  } catch {
    return null;
  }
}
