/**
 * The life of a credential (a registered certificate or an API key): registered, perhaps ahead of its use
 * for a rotation (`activeFrom`), then retired by deactivation (in the normal course, possibly scheduled:
 * the old credential serves until then) or by revocation (compromised). Pure rules, no I/O.
 */

export interface CredentialLifecycle {
  createdAt: number;
  /** Refused before this time; null: in force from registration. Certificates only. */
  activeFrom: number | null;
  /** Refused from this time on (a scheduled retirement), or null. */
  deactivatedAt: number | null;
  /** Refused from this time on (compromised), or null. */
  revokedAt: number | null;
}

export type CredentialProblem = 'not-yet-active' | 'deactivated' | 'revoked';
export type CredentialKind = 'certificate' | 'api-key';
export type Retirement = 'deactivated' | 'revoked';

/** Why a credential may not be used at `now`, or null when it may (revocation first: it is the stronger word). */
export function credentialProblem(c: Partial<CredentialLifecycle>, now: number): CredentialProblem | null {
  if (c.revokedAt != null && c.revokedAt <= now) return 'revoked';
  if (c.deactivatedAt != null && c.deactivatedAt <= now) return 'deactivated';
  if (c.activeFrom != null && now < c.activeFrom) return 'not-yet-active';
  return null;
}

/** What an operator reads of a credential's state at `now`. */
export function credentialState(c: Partial<CredentialLifecycle>, now: number): 'active' | CredentialProblem {
  return credentialProblem(c, now) ?? 'active';
}
