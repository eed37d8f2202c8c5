/**
 * Who may act for whom, and in which roles, as the registry says: every recipient-scoped call (webhooks,
 * replay, requeue, delivery status, audit, status messages) asks here. Pure: the registry is passed in.
 */
import { WHOLE, type Entitlement } from '../domain/entitlement.js';
import type { RegistryView } from './registry.js';

/**
 * The roles of `participantId` that `callerId` may act in (with WHOLE when it is the participant itself); none when it
 * may not.
 */
export function rolesFor(registry: RegistryView, callerId: string, participantId: string): string[] {
  if (callerId === participantId) return [WHOLE, ...(registry.participant(participantId)?.roles ?? [])];
  return registry
    .grantsOf(callerId)
    .filter((g) => g.participantId === participantId)
    .map((g) => g.role);
}

/** Everything a caller may act on: itself in all its roles, and every participant that assigned it roles. */
export function entitlementsOf(registry: RegistryView, callerId: string): Entitlement[] {
  const granted = new Map<string, string[]>();
  for (const g of registry.grantsOf(callerId)) {
    if (g.participantId !== callerId) granted.set(g.participantId, [...(granted.get(g.participantId) ?? []), g.role]);
  }
  return [
    { participantId: callerId, roles: rolesFor(registry, callerId, callerId) },
    ...[...granted].map(([participantId, roles]) => ({ participantId, roles })),
  ];
}

/**
 * Whether a webhook for `recipientId` is still in force for `role`, by who configured it: someone who may
 * still act for the recipient in that role, or the DIP itself (its demo market's webhooks).
 */
export const webhookInForce =
  (registry: RegistryView, dipId: string, recipientId: string) =>
  (configuredBy: string, role: string): boolean =>
    configuredBy === dipId || rolesFor(registry, configuredBy, recipientId).includes(role);
