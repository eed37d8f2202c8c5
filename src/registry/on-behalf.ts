/**
 * Acting on a participant's behalf (the operator API's replay and requeue): the operator takes the
 * participant's own entitlement, exactly what the participant would have calling for itself (rolesFor it,
 * WHOLE included), or one role of it when asked. Pure: the registry is passed in.
 */
import type { RegistryView } from './registry.js';
import { rolesFor } from './entitlement.js';

export type OnBehalf = { ok: true; roles: string[] } | { ok: false; status: 400 | 404; help: string };

/**
 * The roles an operator acts in for `participantId`: all of the participant's own without `role`, or just
 * `role` (as a DIP Connection Provider assigned that role would), which the participant must hold.
 */
export function rolesOnBehalf(registry: RegistryView, participantId: string, role: unknown): OnBehalf {
  const participant = registry.participant(participantId);
  if (!participant)
    return {
      ok: false,
      status: 404,
      help: `no participant ${participantId} is registered with this DIP: name one by its DIP id`,
    };
  if (role === undefined) return { ok: true, roles: rolesFor(registry, participantId, participantId) };
  if (typeof role !== 'string' || role === '')
    return { ok: false, status: 400, help: 'give role once, as one role the participant holds, e.g. role=SUP' };
  if (!(participant.roles as string[]).includes(role))
    return {
      ok: false,
      status: 400,
      help: `${participantId} does not hold the role ${role}: it holds ${participant.roles.join(', ') || 'none'}`,
    };
  return { ok: true, roles: [role] };
}
