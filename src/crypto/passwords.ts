/**
 * Password hashes for portal users: scrypt (N 2^15, r 8, p 1) with a 16-byte random salt, written as
 * `scrypt$N$r$p$salt$hash` (base64url), so the parameters can grow without breaking stored hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PARAMS = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, { ...options, maxmem: 128 * options.N! * options.r! * 2 }, (e, key) =>
      e ? reject(e) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** A hash nobody's password matches: checked when there is no user, so timing does not tell which names exist. */
const DECOY = `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_BYTES).toString('base64url')}`;

/** Whether `password` is the one `stored` was made from; always false for a null or malformed hash. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? DECOY).split('$');
  const [scheme, n, r, p, salt, hash] = parts;
  if (parts.length !== 6 || scheme !== 'scrypt') return false;
  const expected = Buffer.from(hash!, 'base64url');
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  if (expected.length !== KEY_BYTES || !Object.values(options).every(Number.isSafeInteger)) return false;
  const key = await derive(password, Buffer.from(salt!, 'base64url'), options);
  return timingSafeEqual(key, expected) && stored !== null;
}
