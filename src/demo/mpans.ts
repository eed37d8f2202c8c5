/**
 * The demo market's metering points and who serves each, so that a message about one of them routes to
 * demo participants. Each kind of site the DIP routes differently has one: a smart meter, an advanced
 * meter whose supplier and meter service act through the demo DIP Connection Provider, and an unmetered
 * supply.
 */
import type { MpanChange, Service } from '../domain/appointments.js';
import type { Role } from '../domain/model.js';

export interface DemoMpanSpec {
  mpan: string;
  site: string;
  /** Service → the demo participant appointed to it. */
  services: Partial<Record<Service, string>>;
}

export const DEMO_MPANS: readonly DemoMpanSpec[] = [
  {
    mpan: '1900000000013',
    site: 'smart meter',
    services: {
      SUP: '1000000001',
      LDSO: '1600000001',
      MS: '1300000001',
      DS: '1200000001',
      MDR: '1500000001',
      REGS: '1100000001',
    },
  },
  {
    mpan: '1900000000022',
    site: 'advanced meter, supplier and meter service acting through the DCP',
    services: { SUP: '1000000002', LDSO: '1600000001', MS: '1300000002', DS: '1200000002', REGS: '1100000001' },
  },
  {
    mpan: '1900000000031',
    site: 'unmetered supply',
    services: { SUP: '1000000001', LDSO: '1600000001', MS: '1400000001', DS: '1400000002', REGS: '1100000001' },
  },
];

/** The MPAN the sample files and `opendip sample` use unless told otherwise. */
export const DEMO_MPAN = DEMO_MPANS[0]!.mpan;

/** In the order a newcomer reads them; the same order as the banner's columns. */
export const SERVICE_NAMES: Record<Service, string> = {
  SUP: 'supplier',
  LDSO: 'distributor',
  MS: 'meter service',
  DS: 'data service',
  MDR: 'meter data retrieval',
  REGS: 'registration service',
};

/** How participants.json describes a demo MPAN: per service, who and in which of its roles. */
export interface DemoMpan {
  mpan: string;
  site: string;
  services: Partial<Record<Service, { dipId: string; name: string; roles: Role[] }>>;
}

export function describeDemoMpans(participants: { dipId: string; name: string; roles: Role[] }[]): DemoMpan[] {
  return DEMO_MPANS.map(({ mpan, site, services }) => ({
    mpan,
    site,
    services: Object.fromEntries(
      Object.entries(services).map(([service, dipId]) => {
        const p = participants.find((x) => x.dipId === dipId);
        return [service, { dipId, name: p?.name ?? dipId, roles: p?.roles ?? [] }];
      }),
    ),
  }));
}

/** The appointments that make the demo MPANs route, from the start of time. */
export function demoAppointments(): MpanChange[] {
  return DEMO_MPANS.flatMap(({ mpan, services }) =>
    Object.entries(services).map(([service, participantId]) => ({
      mpan,
      service: service as Service,
      action: 'appoint' as const,
      participantId,
      at: 0,
      sourceSeq: null,
    })),
  );
}

/** The demo distributor of a demo MPAN (the one M0.distributorDIPID must name for it to route), or null. */
export const demoDistributorOf = (mpan: string): string | null =>
  DEMO_MPANS.find((m) => m.mpan === mpan)?.services.LDSO ?? null;
