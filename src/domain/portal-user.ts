/**
 * A portal user: a person who signs in to the portal for one participant, with a password they set by
 * following a one-time link an operator issued. No behaviour beyond the rules of names and passwords.
 */
export interface PortalUser {
  username: string;
  dipId: string;
  /** scrypt (src/crypto/passwords.ts); null until the user has followed a link, and after a reset. */
  passwordHash: string | null;
  passwordSetAt: number | null;
  /** SHA-256 hex of the outstanding one-time link's token; null when none is outstanding. */
  linkHash: string | null;
  linkExpiresAt: number | null;
  createdBy: string;
  createdAt: number;
}

/** How long a one-time sign-in link can be followed. */
export const LINK_LIFETIME_MS = 24 * 60 * 60_000;
export const MIN_PASSWORD_LENGTH = 12;

/** What is wrong with a username, or null: 3 to 64 letters, digits and . _ @ - (an email address fits). */
export function usernameProblem(name: string): string | null {
  return /^[A-Za-z0-9._@-]{3,64}$/.test(name)
    ? null
    : `a username is 3 to 64 letters, digits and . _ @ - (an email address fits), not '${name}'`;
}

/** What is wrong with a new password, or null. */
export function passwordProblem(password: string, confirmation: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password is at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 1024) return 'a password is at most 1,024 characters';
  if (password !== confirmation) return 'the two passwords differ';
  return null;
}

/** An operator's issue of a one-time sign-in link: for a new user, or a reset of an existing one. */
export interface PortalLink {
  username: string;
  dipId: string;
  /** SHA-256 hex of the link's token; the token itself is shown once and never stored. */
  linkHash: string;
  expiresAt: number;
  issuedBy: string;
  at: number;
}
