/**
 * The demo market created on first start: a development PKI and participants covering every DIP role,
 * so a newcomer can send a message within a minute. Everything a client needs is written to
 * DATA_DIR/demo/participants.json.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate, type KeyAndCertificate } from '../crypto/devpki.js';
import type { Role } from '../domain/model.js';
import { addPortalUser } from '../registry/portal-users.js';
import type { Registry } from '../registry/registry.js';
import type { PortalUserStore } from '../storage/ports.js';
import type { DemoMpan } from './mpans.js';
import { participantPair } from './participant-keys.js';

export interface DemoParticipantSpec {
  dipId: string;
  name: string;
  roles: Role[];
  /** For a DCP: whom it acts for, in which roles. */
  actsFor?: { participant: string; role: Role }[];
}

/** One participant per role at least; a data service holding two roles; a DCP acting for a supplier and a meterer. */
export const DEMO_PARTICIPANTS: DemoParticipantSpec[] = [
  { dipId: '1000000001', name: 'Demo Supplier One', roles: ['SUP'] },
  { dipId: '1000000002', name: 'Demo Supplier Two', roles: ['SUP'] },
  { dipId: '1100000001', name: 'Demo Registration Service', roles: ['REGS'] },
  { dipId: '1200000001', name: 'Demo Data Services (smart and advanced)', roles: ['SDS', 'ADS'] },
  { dipId: '1200000002', name: 'Demo Advanced Data Service', roles: ['ADS'] },
  { dipId: '1300000001', name: 'Demo Smart Metering Service', roles: ['MSS'] },
  { dipId: '1300000002', name: 'Demo Advanced Metering Service', roles: ['MSA'] },
  { dipId: '1400000001', name: 'Demo Unmetered Supplies Operator', roles: ['UMSO'] },
  { dipId: '1400000002', name: 'Demo Unmetered Supplies Data Service', roles: ['UMSDS'] },
  { dipId: '1500000001', name: 'Demo Meter Data Retrieval Service', roles: ['MDR'] },
  { dipId: '1600000001', name: 'Demo Distribution Network Operator', roles: ['LDSO'] },
  { dipId: '1700000001', name: 'Demo Market-wide Data Service', roles: ['MDS'] },
  { dipId: '1700000002', name: 'Demo Load Shaping Service', roles: ['LSS'] },
  { dipId: '1700000003', name: 'Demo Volume Allocation Service', roles: ['VAS'] },
  { dipId: '1700000004', name: 'Demo Industry Standing Data', roles: ['ISD'] },
  { dipId: '1800000001', name: 'Demo Electricity Enquiry Service', roles: ['EES'] },
  { dipId: '9000000001', name: 'Demo DIP Operator', roles: ['OPERATOR'] },
  {
    dipId: '1900000001',
    name: 'Demo DIP Connection Provider',
    roles: ['DCP'],
    actsFor: [
      { participant: '1000000002', role: 'SUP' },
      { participant: '1300000002', role: 'MSA' },
    ],
  },
];

/** The demo portal user of a participant: its first role and its DIP id, e.g. sup-1000000001. */
export const demoUsername = (spec: DemoParticipantSpec): string => `${spec.roles[0]!.toLowerCase()}-${spec.dipId}`;

export interface DemoParticipant {
  dipId: string;
  name: string;
  roles: Role[];
  apiKey: string;
  /** A ready portal user of the participant, and its password (absent in files of older versions). */
  portalUser?: { username: string; password: string };
  certificatePath: string;
  privateKeyPath: string;
  actsFor?: { participant: string; role: Role }[];
}

/** The machine-readable description of the demo market (DATA_DIR/demo/participants.json). */
export interface DemoMarketFile {
  baseUrl: string;
  environment: string;
  /** The CA that issued the DIP's TLS certificate and every participant certificate. */
  caCertificatePath: string;
  participants: DemoParticipant[];
  /** The demo MPANs and who serves each, as the demo market appointed them (optional in older files). */
  mpans?: DemoMpan[];
}

export interface PkiPaths {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** The DIP's own signing and mTLS client certificate, for webhook calls. */
  dipCert: string;
  dipKey: string;
}

export function pkiPaths(dataDir: string): PkiPaths {
  const dir = join(dataDir, 'pki');
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server-key.pem'),
    dipCert: join(dir, 'dip.pem'),
    dipKey: join(dir, 'dip-key.pem'),
  };
}

export const demoFilePath = (dataDir: string): string => join(dataDir, 'demo', 'participants.json');

const writePrivate = (path: string, text: string): void => writeFileSync(path, text, { mode: 0o600 });

async function issueDipCertificate(ca: KeyAndCertificate, paths: PkiPaths): Promise<void> {
  const dip = await issueCertificate(ca, { commonName: 'OpenDIP', usage: 'client' });
  writeFileSync(paths.dipCert, dip.certificatePem);
  writePrivate(paths.dipKey, dip.privateKeyPem);
}

/** Creates the CA, the TLS server certificate and the DIP's own certificate unless they exist. */
export async function ensureDevPki(
  dataDir: string,
  hostNames: string[],
): Promise<{ paths: PkiPaths; ca: KeyAndCertificate }> {
  const paths = pkiPaths(dataDir);
  mkdirSync(join(paths.dir, 'participants'), { recursive: true });
  if (existsSync(paths.caCert) && existsSync(paths.caKey)) {
    const ca = { certificatePem: readFileSync(paths.caCert, 'utf8'), privateKeyPem: readFileSync(paths.caKey, 'utf8') };
    if (!existsSync(paths.dipCert)) await issueDipCertificate(ca, paths);
    return { paths, ca };
  }
  const ca = await createCertificateAuthority('OpenDIP Development CA');
  await issueDipCertificate(ca, paths);
  const server = await issueCertificate(ca, {
    commonName: 'OpenDIP development server',
    usage: 'server',
    dnsNames: ['localhost', ...hostNames.filter((h) => !/^[\d.:]+$/.test(h))],
    ipAddresses: ['127.0.0.1', ...hostNames.filter((h) => /^\d+\.\d+\.\d+\.\d+$/.test(h) && h !== '127.0.0.1')],
  });
  writeFileSync(paths.caCert, ca.certificatePem);
  writePrivate(paths.caKey, ca.privateKeyPem);
  writeFileSync(paths.serverCert, server.certificatePem);
  writePrivate(paths.serverKey, server.privateKeyPem);
  return { paths, ca };
}

/**
 * Registers the demo participants with their certificates, API keys and DCP grants. A participant whose key
 * and certificate are already in pki/participants/ and still good for this CA keeps them (participant-keys.ts).
 */
export async function createDemoMarket(
  registry: Registry,
  users: Pick<PortalUserStore, 'issuePortalLink' | 'redeemPortalLink'>,
  dataDir: string,
  ca: KeyAndCertificate,
  specs: DemoParticipantSpec[] = DEMO_PARTICIPANTS,
): Promise<DemoParticipant[]> {
  const paths = pkiPaths(dataDir);
  const files = (dipId: string) => ({
    certificatePath: join(paths.dir, 'participants', `${dipId}.pem`),
    privateKeyPath: join(paths.dir, 'participants', `${dipId}-key.pem`),
  });
  const certs = await Promise.all(specs.map((p) => participantPair(ca, p.dipId, files(p.dipId))));
  const participants: DemoParticipant[] = [];
  for (const [i, spec] of specs.entries()) {
    await registry.saveParticipant({ dipId: spec.dipId, name: spec.name, roles: spec.roles });
    const { certificatePath, privateKeyPath } = files(spec.dipId);
    writeFileSync(certificatePath, certs[i]!.certificatePem);
    writePrivate(privateKeyPath, certs[i]!.privateKeyPem);
    await registry.registerCertificate(spec.dipId, certs[i]!.certificatePem);
    const apiKey = await registry.issueApiKey(spec.dipId, 'demo');
    participants.push({
      dipId: spec.dipId,
      name: spec.name,
      roles: spec.roles,
      apiKey,
      portalUser: { username: demoUsername(spec), password: randomBytes(12).toString('base64url') },
      certificatePath,
      privateKeyPath,
      ...(spec.actsFor ? { actsFor: spec.actsFor } : {}),
    });
  }
  // Passwords are hashed in parallel: scrypt is slow on purpose.
  await Promise.all(
    participants.map((p) =>
      addPortalUser(users, registry.view(), { ...p.portalUser!, dipId: p.dipId, issuedBy: 'demo', now: Date.now() }),
    ),
  );
  for (const spec of specs) {
    for (const grant of spec.actsFor ?? [])
      await registry.grantDcp({ dcpId: spec.dipId, participantId: grant.participant, role: grant.role });
  }
  return participants;
}

/**
 * Creates the demo market unless it exists (registered and described). It is never mixed into a real
 * registry: when the registry holds anyone but demo participants, nothing is created. Creation is
 * idempotent, so a first start that was cut short is completed by the next one.
 */
export async function ensureDemoMarket(
  registry: Registry,
  users: Pick<PortalUserStore, 'issuePortalLink' | 'redeemPortalLink'>,
  dataDir: string,
  ca: KeyAndCertificate,
): Promise<DemoParticipant[] | null> {
  const registered = registry.view().participants();
  if (registered.length > 0 && existsSync(demoFilePath(dataDir))) return null;
  const demoIds = new Set(DEMO_PARTICIPANTS.map((p) => p.dipId));
  if (!registered.every((p) => demoIds.has(p.dipId))) return null;
  return createDemoMarket(registry, users, dataDir, ca);
}

export function writeDemoFile(dataDir: string, file: DemoMarketFile): void {
  mkdirSync(join(dataDir, 'demo'), { recursive: true });
  writePrivate(demoFilePath(dataDir), `${JSON.stringify(file, null, 2)}\n`);
}

export function readDemoFile(path: string): DemoMarketFile {
  return JSON.parse(readFileSync(path, 'utf8')) as DemoMarketFile;
}

/**
 * Sample batch files, one per channel a demo participant may send (ten IF-021 messages), so each can be
 * sent with `opendip send --restamp`. Returns channel → file path.
 */
export function writeDemoSamples(
  dataDir: string,
  channels: { channel: string; eventCode: string; senders: string[] }[],
  build: (channel: string, eventCode: string, sender: string, role: string, count: number) => unknown[],
  specs: DemoParticipantSpec[] = DEMO_PARTICIPANTS,
): Record<string, string> {
  const dir = join(dataDir, 'demo', 'samples');
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {};
  for (const { channel, eventCode, senders } of channels) {
    const role = senders.find((r) => specs.some((p) => p.roles.includes(r as Role)));
    const sender = specs.find((p) => role !== undefined && p.roles.includes(role as Role));
    if (!role || !sender) continue;
    const path = join(dir, `${channel}.json`);
    writeFileSync(
      path,
      `${JSON.stringify(build(channel, eventCode, sender.dipId, role, channel === 'IF-021' ? 10 : 1), null, 2)}\n`,
    );
    files[channel] = path;
  }
  return files;
}
