/**
 * The participant registry: who exists, in which roles, which DCP acts for whom, which certificates and
 * API keys identify whom. Reads come from an in-memory snapshot (every request needs them); writes go
 * to the store and refresh the snapshot.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { fingerprintOf, validityOf } from '../crypto/certificates.js';
import type { CredentialKind, Retirement } from '../domain/credentials.js';
import { OPERATOR_ROLE, type DcpGrant, type Participant, type Role, type RegistryData } from '../domain/model.js';
import type { RegistryStore } from '../storage/ports.js';

export interface RegistryView {
  participant(dipId: string): Participant | undefined;
  participants(): Participant[];
  /** Every participant holding `role`. */
  holders(role: Role): Participant[];
  /** The DCP a participant has assigned `role` to, if any. */
  dcpFor(participantId: string, role: string): string | undefined;
  /** Everything a DCP acts for. */
  grantsOf(dcpId: string): DcpGrant[];
  certificateOwner(fingerprint: string): string | undefined;
  apiKeyOwner(apiKey: string): string | undefined;
  /** A registered certificate with its activation and retirement. */
  certificate(fingerprint: string): RegistryData['certificates'][number] | undefined;
  /** An issued API key (by the key itself) with its retirement. */
  apiKey(apiKey: string): RegistryData['apiKeys'][number] | undefined;
  certificates(): RegistryData['certificates'];
  apiKeys(): RegistryData['apiKeys'];
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export function buildRegistryView(data: RegistryData): RegistryView {
  const participants = new Map(data.participants.map((p) => [p.dipId, p]));
  const dcp = new Map(data.dcpGrants.map((g) => [`${g.participantId}|${g.role}`, g.dcpId]));
  const certificates = new Map(data.certificates.map((c) => [c.fingerprint, c]));
  const keys = new Map(data.apiKeys.map((k) => [k.keyHash, k]));
  const byRole = new Map<string, Participant[]>();
  for (const p of data.participants) for (const r of p.roles) byRole.set(r, [...(byRole.get(r) ?? []), p]);
  return {
    participant: (id) => participants.get(id),
    participants: () => [...participants.values()],
    holders: (role) => byRole.get(role) ?? [],
    dcpFor: (participantId, role) => dcp.get(`${participantId}|${role}`),
    grantsOf: (dcpId) => data.dcpGrants.filter((g) => g.dcpId === dcpId),
    certificateOwner: (fp) => certificates.get(fp)?.dipId,
    apiKeyOwner: (key) => keys.get(hashApiKey(key))?.dipId,
    certificate: (fp) => certificates.get(fp),
    apiKey: (key) => keys.get(hashApiKey(key)),
    certificates: () => data.certificates,
    apiKeys: () => data.apiKeys,
  };
}

export interface Registry {
  view(): RegistryView;
  refresh(): Promise<void>;
  saveParticipant(p: Participant): Promise<void>;
  grantDcp(grant: DcpGrant): Promise<void>;
  revokeDcp(participantId: string, role: Role): Promise<void>;
  /**
   * Registers a signing / mTLS certificate to a participant; with `activeFrom`, it is refused until then
   * (a rotation: the certificate it replaces serves until it is deactivated).
   */
  registerCertificate(dipId: string, pem: string, activeFrom?: number | null): Promise<string>;
  /** Deactivates (from `at`, perhaps ahead) or revokes a certificate by fingerprint or an API key by hash. */
  retire(kind: CredentialKind, id: string, how: Retirement, at: number): Promise<void>;
  /** Issues a new API key for a participant and returns it; only its hash is kept. */
  issueApiKey(dipId: string, label: string): Promise<string>;
}

/** `onChange` hears of every change made through this registry, once it is stored. */
export async function openRegistry(store: RegistryStore, onChange: () => void = () => undefined): Promise<Registry> {
  let current = buildRegistryView(await store.loadRegistry());
  // Loads may overlap (a periodic refresh and a write's): the snapshot kept is the one read last begun,
  // so an older read finishing late never puts a withdrawn grant back.
  let begun = 0;
  let kept = 0;
  const load = async (): Promise<void> => {
    const ticket = ++begun;
    const data = await store.loadRegistry();
    if (ticket < kept) return;
    kept = ticket;
    current = buildRegistryView(data);
  };
  const refresh = async (): Promise<void> => {
    await load();
    onChange();
  };
  const requireParticipant = (dipId: string): void => {
    if (!current.participant(dipId)) throw new Error(`unknown participant ${dipId}`);
  };
  return {
    view: () => current,
    refresh: load,
    async saveParticipant(p) {
      // DT-006 says 10 characters; the SUR pattern makes them hexadecimal, or the participant could never send.
      if (!/^[0-9A-Fa-f]{10}$/.test(p.dipId))
        throw new Error(`DIP ids are exactly 10 hexadecimal characters (usually digits): '${p.dipId}'`);
      await store.saveParticipant(p);
      await refresh();
    },
    async grantDcp(grant) {
      requireParticipant(grant.participantId);
      const dcp = current.participant(grant.dcpId);
      if (!dcp?.roles.includes('DCP')) throw new Error(`${grant.dcpId} does not hold the DCP role`);
      // Running the DIP is not a market role anyone can act in for another.
      if (grant.role === OPERATOR_ROLE) throw new Error(`the ${OPERATOR_ROLE} role cannot be granted to a DCP`);
      if (!current.participant(grant.participantId)?.roles.includes(grant.role)) {
        throw new Error(`${grant.participantId} does not hold role ${grant.role}`);
      }
      await store.grantDcp(grant);
      await refresh();
    },
    async revokeDcp(participantId, role) {
      await store.revokeDcp(participantId, role);
      await refresh();
    },
    async registerCertificate(dipId, pem, activeFrom = null) {
      requireParticipant(dipId);
      const cert = new X509Certificate(pem);
      const fingerprint = fingerprintOf(cert);
      await store.addCertificate({
        fingerprint,
        dipId,
        subject: cert.subject,
        notAfter: validityOf(cert).notAfter,
        pem,
        activeFrom,
      });
      await refresh();
      return fingerprint;
    },
    async retire(kind, id, how, at) {
      if (!(await store.retireCredential(kind, id, how, at))) {
        throw new Error(
          kind === 'certificate'
            ? `no certificate with fingerprint ${id} is registered (opendip admin certificates lists them)`
            : `no API key with hash ${id} was issued (opendip admin certificates lists them)`,
        );
      }
      await refresh();
    },
    async issueApiKey(dipId, label) {
      requireParticipant(dipId);
      const key = randomBytes(24).toString('base64url');
      await store.addApiKey(hashApiKey(key), dipId, label);
      await refresh();
      return key;
    },
  };
}

export interface RegistryRefresher {
  /** Reads the registry again now, as when told of a change, without waiting for the next round. */
  now(): void;
  stop(): void;
}

/**
 * Reads the registry again every `intervalMs`, so changes made by other processes (`opendip registry`,
 * another node) reach this one. A failed read is logged and the snapshot kept until the next round.
 */
export function keepFresh(
  registry: Pick<Registry, 'refresh'>,
  intervalMs: number,
  logger: Pick<Logger, 'warn'>,
): RegistryRefresher {
  const now = (): void =>
    void registry.refresh().catch((e: unknown) => logger.warn({ err: e }, 'registry refresh failed'));
  const timer = setInterval(now, intervalMs);
  // Refreshing alone is no reason to keep a process (or a delivery thread) running.
  timer.unref();
  return { now, stop: () => clearInterval(timer) };
}

/**
 * Follows a count of registry changes kept by another thread (shared memory, read without waiting for a
 * message): the function returned reloads the registry when the count has moved since it last did. Call
 * it before acting on the registry; the count is read at once, so changes counted later are heard.
 */
export function followChanges(changes: Int32Array): (registry: Pick<Registry, 'refresh'>) => Promise<void> {
  let heard = Atomics.load(changes, 0);
  return async (registry) => {
    const count = Atomics.load(changes, 0);
    if (count <= heard) return;
    await registry.refresh();
    heard = Math.max(heard, count);
  };
}
