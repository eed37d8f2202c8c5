/**
 * Entitlement by role (seed §4.1): a participant acts in every role it holds; a DIP Connection Provider
 * acts for a participant only in the roles that participant assigned to it. Whoever asks for something
 * recipient-scoped sees only what was received in the roles it acts in. Pure.
 */

/**
 * The participant as a whole rather than in one role: its own channel-wide webhooks, and what was kept
 * before roles were (status messages, journal entries, requeues). Only the participant itself acts so.
 */
export const WHOLE = '';

/** The roles of one participant a caller may act in. */
export interface Entitlement {
  participantId: string;
  roles: readonly string[];
}

/** Do these entitlements cover `participantId` in `role` (null: the participant as a whole)? */
export function covers(entitlements: readonly Entitlement[], participantId: string, role: string | null): boolean {
  return entitlements.some((e) => e.participantId === participantId && e.roles.includes(role ?? WHOLE));
}

/**
 * Whose view an audit search takes: what the caller sent itself, and what was sent or addressed in a role it acts in.
 */
export interface AuditScope {
  callerId: string;
  entitlements: Entitlement[];
}
