/**
 * Who serves an MPAN at a moment: appointments with effective dates, as kept in the store, held in memory
 * for the MPANs of one batch so that routing is a pure function and later messages of the batch see the
 * registry changes earlier ones made. The store applies the same changes with the same rules.
 */
import type { Service } from '../domain/appointments.js';

export interface Appointment {
  mpan: string;
  service: Service;
  participantId: string;
  from: number;
  /** null: open-ended. */
  to: number | null;
}

export interface RegistryChange {
  mpan: string;
  service: Service;
  action: 'appoint' | 'end';
  participantId: string;
  /** Effective from (appoint) or to (end), epoch ms. */
  at: number;
}

export class MpanView {
  private readonly rows = new Map<string, Appointment[]>();

  constructor(appointments: Iterable<Appointment> = []) {
    for (const a of appointments) this.list(a.mpan, a.service).push({ ...a });
  }

  private list(mpan: string, service: Service): Appointment[] {
    const key = `${mpan}|${service}`;
    let l = this.rows.get(key);
    if (!l) this.rows.set(key, (l = []));
    return l;
  }

  /** The participant serving `mpan` as `service` at time `at`: the latest appointment in force then. */
  serving(mpan: string, service: Service, at: number): string | null {
    let best: Appointment | null = null;
    for (const a of this.rows.get(`${mpan}|${service}`) ?? []) {
      if (a.from <= at && (a.to === null || a.to > at) && (!best || a.from >= best.from)) best = a;
    }
    return best?.participantId ?? null;
  }

  /**
   * An appointment closes the open ones it follows; an end closes the participant's open appointment.
   * Returns whether anything changed.
   */
  apply(change: RegistryChange): boolean {
    const list = this.list(change.mpan, change.service);
    if (change.action === 'end') {
      const open = list.find((a) => a.participantId === change.participantId && a.to === null && a.from < change.at);
      if (!open) return false;
      open.to = change.at;
      return true;
    }
    // Re-appointing whoever serves at that moment changes nothing (every REGS message re-states its REGS and LDSO).
    if (this.serving(change.mpan, change.service, change.at) === change.participantId) return false;
    if (list.some((a) => a.participantId === change.participantId && a.from === change.at)) return false;
    for (const a of list) if (a.to === null && a.from < change.at) a.to = change.at;
    list.push({
      mpan: change.mpan,
      service: change.service,
      participantId: change.participantId,
      from: change.at,
      to: null,
    });
    return true;
  }
}
