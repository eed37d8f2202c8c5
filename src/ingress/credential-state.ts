/**
 * The registry's word on a credential that verified: registered ahead of its activation, deactivated or
 * revoked. Refused like a certificate outside its validity period (401 MSG1000), saying what to do.
 */
import { credentialProblem, type CredentialLifecycle } from '../domain/credentials.js';

const iso = (ms: number | null | undefined): string => new Date(ms ?? 0).toISOString();

/** Why `what` may not be used at `now`, as a help text, or null when it may. */
export function credentialRefusal(
  what: string,
  record: Partial<CredentialLifecycle> | undefined,
  now: number,
): string | null {
  if (!record) return null;
  switch (credentialProblem(record, now)) {
    case 'not-yet-active':
      return `${what} is registered for use from ${iso(record.activeFrom)} and not before; until then use the one it replaces`;
    case 'deactivated':
      return `${what} was deactivated on ${iso(record.deactivatedAt)}; use its replacement, or ask the operator to register one`;
    case 'revoked':
      return `${what} was revoked on ${iso(record.revokedAt)}; ask the operator for a new one`;
    default:
      return null;
  }
}
