/**
 * Who serves an MPAN as an operator or a serving participant reads it: every service with the appointment
 * in force at a moment, and the appointments on record. Pure: the appointments are given.
 */
import { SERVICES, type Service } from './appointments.js';

/** One appointment on record, with the message that made it (null for an import). */
export interface AppointmentRecord {
  service: Service;
  participantId: string;
  from: number;
  to: number | null;
  source: { seq: number; channel: string | null; transactionId: string | null } | null;
}

/**
 * The appointment of `service` in force at `at`: the latest one begun by then and not ended, the same
 * rule as routing's MpanView.serving (on equal starts, the later on record).
 */
export function inForce(records: readonly AppointmentRecord[], service: Service, at: number): AppointmentRecord | null {
  let best: AppointmentRecord | null = null;
  for (const r of records) {
    if (r.service !== service || r.from > at || (r.to !== null && r.to <= at)) continue;
    if (best === null || r.from >= best.from) best = r;
  }
  return best;
}

/** Every service of SERVICES with its appointment at `at` (null: nobody serves it then). */
export function servicesAt(
  records: readonly AppointmentRecord[],
  at: number,
): Record<Service, AppointmentRecord | null> {
  return Object.fromEntries((Object.keys(SERVICES) as Service[]).map((s) => [s, inForce(records, s, at)])) as Record<
    Service,
    AppointmentRecord | null
  >;
}

/** The participants serving at `at`, with the roles each serves in (a service's roles, e.g. MS: MSS, MSA, UMSO). */
export function servingParticipants(
  records: readonly AppointmentRecord[],
  at: number,
): { participantId: string; roles: string[] }[] {
  const out: { participantId: string; roles: string[] }[] = [];
  for (const [service, r] of Object.entries(servicesAt(records, at))) {
    if (r) out.push({ participantId: r.participantId, roles: [...SERVICES[service as Service]] });
  }
  return out;
}
