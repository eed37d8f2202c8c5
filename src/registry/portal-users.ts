/**
 * Portal users as the operator manages them: a one-time sign-in link for a new user or a reset (the
 * portal's operator pages and `opendip registry portal-user` both issue them here), a user whose password
 * is set at once (the demo market's), and signing in with a username and password.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../crypto/passwords.js';
import { LINK_LIFETIME_MS, usernameProblem, type PortalUser } from '../domain/portal-user.js';
import type { PortalUserStore } from '../storage/ports.js';
import type { RegistryView } from './registry.js';

export const hashLinkToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** The portal path a link's token opens (the origin is the DIP's). */
export const welcomePath = (token: string): string => `/portal/welcome?link=${token}`;

export type Issued = { ok: true; token: string; expiresAt: number; path: string } | { ok: false; problem: string };

/** Issues a one-time link for `username` of `dipId`: a new user, or a reset of one (its password cleared). */
export async function issuePortalLink(
  store: Pick<PortalUserStore, 'issuePortalLink'>,
  registry: RegistryView,
  o: { username: string; dipId: string; issuedBy: string; now: number },
): Promise<Issued> {
  const problem = usernameProblem(o.username);
  if (problem) return { ok: false, problem };
  if (!registry.participant(o.dipId)) return { ok: false, problem: `${o.dipId} is not a participant of this DIP` };
  const token = randomBytes(24).toString('base64url');
  const expiresAt = o.now + LINK_LIFETIME_MS;
  const issued = await store.issuePortalLink({
    username: o.username,
    dipId: o.dipId,
    linkHash: hashLinkToken(token),
    expiresAt,
    issuedBy: o.issuedBy,
    at: o.now,
  });
  if (!issued) return { ok: false, problem: `the username ${o.username} belongs to another participant` };
  return { ok: true, token, expiresAt, path: welcomePath(token) };
}

/** A user with this password from the start (the demo market's ready users): a link issued and followed at once. */
export async function addPortalUser(
  store: Pick<PortalUserStore, 'issuePortalLink' | 'redeemPortalLink'>,
  registry: RegistryView,
  o: { username: string; dipId: string; issuedBy: string; now: number; password: string },
): Promise<void> {
  const issued = await issuePortalLink(store, registry, o);
  if (!issued.ok) throw new Error(issued.problem);
  await store.redeemPortalLink(hashLinkToken(issued.token), await hashPassword(o.password), o.now);
}

/** The user these credentials sign in, when the password is theirs and their participant still exists. */
export async function passwordSignIn(
  store: Pick<PortalUserStore, 'portalUser'>,
  registry: RegistryView,
  username: string,
  password: string,
): Promise<PortalUser | null> {
  const user = usernameProblem(username) ? null : await store.portalUser(username);
  // Checked against a decoy when there is no such user, so the time taken does not tell which names exist.
  const matches = await verifyPassword(password, user?.passwordHash ?? null);
  return matches && user && registry.participant(user.dipId) ? user : null;
}

/** How an operator reads a user's state. Pure. */
export function userState(u: PortalUser, now: number): string {
  if (u.passwordHash !== null) return `signs in with a password set ${new Date(u.passwordSetAt!).toISOString()}`;
  if (u.linkExpiresAt !== null && u.linkExpiresAt > now)
    return `sign-in link not yet followed; it expires ${new Date(u.linkExpiresAt).toISOString()}`;
  return 'sign-in link expired: issue a new one';
}
