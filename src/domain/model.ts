/** Core vocabulary of the DIP, shared by every layer. No behaviour lives here. */
import type { CredentialLifecycle } from './credentials.js';

/**
 * DIP roles active in the MHHS TOM (seed §3.3), plus the DIP Connection Provider, plus OPERATOR: whoever runs
 * this DIP. No channel lists OPERATOR as a sender or recipient, so holding it sends and receives nothing.
 */
export const ROLES = [
  'SUP',
  'REGS',
  'SDS',
  'ADS',
  'MSS',
  'MSA',
  'UMSO',
  'UMSDS',
  'MDR',
  'LDSO',
  'MDS',
  'LSS',
  'VAS',
  'ISD',
  'EES',
  'DCP',
  'OPERATOR',
] as const;
export type Role = (typeof ROLES)[number];

/** The role that opens the operator API (/{version}/admin/...); held by a participant itself, never granted to a DCP. */
export const OPERATOR_ROLE: Role = 'OPERATOR';

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** DT-013: the environments a DIP instance can run as. */
export const ENVIRONMENT_TAGS = ['PRD', 'SITB', 'SIT', 'UIT', 'DEV'] as const;
export type EnvironmentTag = (typeof ENVIRONMENT_TAGS)[number];

/** A participant as the registry knows it. DIP ids are exactly 10 characters (DT-006). */
export interface Participant {
  dipId: string;
  name: string;
  roles: Role[];
}

/** A DIP Connection Provider acting for `participant` in `role` (seed §3.3.2, §4.1). */
export interface DcpGrant {
  dcpId: string;
  participantId: string;
  role: Role;
}

/** Who is calling, once credentials are verified: the physical sender. */
export interface Caller {
  dipId: string;
  /** How the caller was identified, for the audit trail. */
  via: Array<'signature' | 'mtls' | 'api-key'>;
}

/** The sender block S1 as read from a message, canonical names. */
export interface SenderBlock {
  environmentTag: string;
  subText: string | null;
  senderUniqueReference: string;
  senderTimestamp: string;
  senderDIPID: string;
  senderRoleID: string;
  senderCorrelationID: string | null;
  DIPConnectionProviderID: string | null;
}

export interface CertificateRecord {
  fingerprint: string;
  dipId: string;
  subject: string;
  notAfter: number;
  pem: string;
  /** When the registry starts accepting it (a certificate added ahead of a rotation); null or absent: at once. */
  activeFrom?: number | null;
}

export interface RegistryData {
  participants: Participant[];
  dcpGrants: DcpGrant[];
  certificates: (Omit<CertificateRecord, 'pem' | 'activeFrom'> & Partial<CredentialLifecycle>)[];
  /** SHA-256 hex of each API key → participant. */
  apiKeys: ({ keyHash: string; dipId: string; label?: string } & Partial<CredentialLifecycle>)[];
}
