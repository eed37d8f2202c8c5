/**
 * How a message changes the MPAN registry: the channel's registryUpdates rules read against the message.
 * Only the Registration Service is the system of truth for appointments (seed §5.2), so only its messages
 * count; every M0 also names the MPAN's distributor.
 */
import { registryUpdatesFor, type ChannelRule } from '../catalogue/rules.js';
import { getPointer } from '../domain/pointer.js';
import { parseDateTime } from '../domain/time.js';
import type { RegistryChange } from './mpan-view.js';

export interface ChangeSource {
  eventCode: string;
  senderId: string;
  senderRole: string;
  mpan: string | null;
  receivedAt: number;
  payload: unknown;
}

export function registryChangesOf(rule: ChannelRule, m: ChangeSource): RegistryChange[] {
  if (m.mpan === null || m.senderRole !== 'REGS') return [];
  const changes: RegistryChange[] = [];
  for (const u of registryUpdatesFor(rule, m.eventCode)) {
    const participant = u.participant === '$sender' ? m.senderId : getPointer(m.payload, u.participant);
    if (typeof participant !== 'string' || participant.length !== 10) continue;
    const datePointer = (u.action === 'appoint' ? u.from : u.to)!;
    const date = datePointer === '$received' ? m.receivedAt : getPointer(m.payload, datePointer);
    const at = typeof date === 'number' ? date : typeof date === 'string' ? parseDateTime(date) : null;
    if (at === null) continue;
    changes.push({ mpan: m.mpan, service: u.service, action: u.action, participantId: participant, at });
  }
  return changes;
}
