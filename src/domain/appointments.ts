/** Who serves an MPAN: the services the registry knows, and a change to an appointment. */
import type { Role } from './model.js';

/** Services an MPAN is served by; each is found by MPAN lookup and delivered to in the roles it maps to. */
export const SERVICES = {
  SUP: ['SUP'],
  LDSO: ['LDSO'],
  MS: ['MSS', 'MSA', 'UMSO'],
  DS: ['SDS', 'ADS', 'UMSDS'],
  MDR: ['MDR'],
  REGS: ['REGS'],
} as const satisfies Record<string, readonly Role[]>;
export type Service = keyof typeof SERVICES;
export const isService = (v: unknown): v is Service => typeof v === 'string' && Object.hasOwn(SERVICES, v);

/** A change to who serves an MPAN; `sourceSeq` is the message that made it. */
export interface MpanChange {
  mpan: string;
  service: Service;
  action: 'appoint' | 'end';
  participantId: string;
  at: number;
  sourceSeq: number | null;
}
