/**
 * What an operator reads of the registry (GET /{version}/admin/participants, /admin/certificates,
 * /admin/mpans/{mpan}) and what a serving participant may read of an MPAN (GET /{version}/mpans/{mpan}/
 * appointments). Queries are parsed strictly and answered from the registry snapshot and the MPAN store.
 */
import { SERVICES, type Service } from '../domain/appointments.js';
import { credentialState, type CredentialLifecycle } from '../domain/credentials.js';
import { mpanCoreProblem } from '../domain/mpan.js';
import { servicesAt, servingParticipants, type AppointmentRecord } from '../domain/mpan-services.js';
import { parseDateTime } from '../domain/time.js';
import type { MpanStore } from '../storage/ports.js';
import type { RegistryView } from './registry.js';

type Parsed<T> = { ok: true; value: T } | { ok: false; code: 'MSG1000' | 'MSG1039'; help: string };
const DAY = 86_400_000;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());

function unknownKeys(query: Record<string, unknown>, allowed: string[]): string | null {
  const extra = Object.keys(query).filter((k) => !allowed.includes(k));
  return extra.length > 0 ? `unknown parameter(s) ${extra.join(', ')}; known: ${allowed.join(', ') || 'none'}` : null;
}

/** A moment as DT-003 (`2026-07-01T09:00:00+01:00`) or ISO 8601 (`2026-07-01`, `…T08:00:00Z`). */
export function parseInstant(value: string): number | null {
  const dt = parseDateTime(value);
  if (dt !== null) return dt;
  if (!ISO.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** `?at=` (default: now) of an MPAN query, and the MPAN of its path. */
export function mpanQueryFrom(
  mpan: string,
  query: Record<string, unknown>,
  now: number,
): Parsed<{ mpan: string; at: number }> {
  const extra = unknownKeys(query, ['at']);
  if (extra) return { ok: false, code: 'MSG1000', help: extra };
  const problem = mpanCoreProblem(mpan);
  if (problem) return { ok: false, code: 'MSG1039', help: `'${mpan}' is not a valid MPAN: ${problem}` };
  if (query.at === undefined) return { ok: true, value: { mpan, at: now } };
  const at = typeof query.at === 'string' ? parseInstant(query.at) : null;
  if (at === null) {
    return {
      ok: false,
      code: 'MSG1000',
      help: 'at is a date-time given once, as DT-003 (2026-07-01T09:00:00+01:00) or ISO 8601 (2026-07-01, 2026-07-01T08:00:00Z)',
    };
  }
  return { ok: true, value: { mpan, at } };
}

const shownAppointment = (r: AppointmentRecord) => ({
  service: r.service,
  participantId: r.participantId,
  roles: [...SERVICES[r.service]],
  from: iso(r.from),
  to: iso(r.to),
  appointedBy: r.source && {
    channel: r.source.channel,
    transactionId: r.source.transactionId,
  },
});

/** Every service at `at` (null where nobody serves), as both operators and serving participants read it. */
function servicesShown(records: AppointmentRecord[], at: number) {
  const now = servicesAt(records, at);
  return Object.fromEntries(
    (Object.keys(SERVICES) as Service[]).map((s) => [s, now[s] ? shownAppointment(now[s]) : null]),
  );
}

/** The operator's answer: services at `at` and the whole history on record (empty for an MPAN nobody knows). */
export async function mpanForOperator(store: Pick<MpanStore, 'mpanHistory'>, mpan: string, at: number) {
  const records = await store.mpanHistory(mpan);
  return { mpan, at: iso(at), services: servicesShown(records, at), history: records.map(shownAppointment) };
}

/** Whether `callerId` serves at `at`: appointed itself, or a DCP its appointee assigned one of the service's roles. */
function serves(view: RegistryView, records: AppointmentRecord[], callerId: string, at: number): boolean {
  return servingParticipants(records, at).some(
    (s) => s.participantId === callerId || s.roles.some((role) => view.dcpFor(s.participantId, role) === callerId),
  );
}

/**
 * A participant's answer: the services at `at`, only when the caller serves the MPAN now or served it at
 * `at`; otherwise null, the same as for an MPAN nobody serves, so an answer tells a stranger nothing.
 * No history: who served before is not the current servers' business.
 */
export async function mpanForParticipant(
  store: Pick<MpanStore, 'mpanHistory'>,
  view: RegistryView,
  callerId: string,
  mpan: string,
  at: number,
  now: number,
) {
  const records = await store.mpanHistory(mpan);
  if (!serves(view, records, callerId, now) && !serves(view, records, callerId, at)) return null;
  return { mpan, at: iso(at), services: servicesShown(records, at) };
}

/** Participants with their roles, whom each acts for as a DCP, and to which DCP each assigned which role. */
export function participantRows(view: RegistryView) {
  return view.participants().map((p) => ({
    dipId: p.dipId,
    name: p.name,
    roles: p.roles,
    actsFor: view.grantsOf(p.dipId).map((g) => ({ participantId: g.participantId, role: g.role })),
    assignedTo: p.roles.flatMap((role) => {
      const dcpId = view.dcpFor(p.dipId, role);
      return dcpId ? [{ role, dcpId }] : [];
    }),
  }));
}

export function participantsListing(view: RegistryView, query: Record<string, unknown>): Parsed<unknown> {
  const extra = unknownKeys(query, []);
  if (extra) return { ok: false, code: 'MSG1000', help: extra };
  return { ok: true, value: { participants: participantRows(view) } };
}

const lifecycleShown = (c: Partial<CredentialLifecycle>) => ({
  registeredAt: iso(c.createdAt),
  activeFrom: iso(c.activeFrom),
  deactivatedAt: iso(c.deactivatedAt),
  revokedAt: iso(c.revokedAt),
});

/**
 * Certificates (with expiry) and API keys (which do not expire), each with its state at `now`: active,
 * not-yet-active, deactivated, revoked, or (certificates) expired. `days`: only the certificates whose
 * validity ends within that many days (those already expired included), and no API keys.
 */
export function credentialRows(view: RegistryView, now: number, days: number | null) {
  const certificates = view
    .certificates()
    .filter((c) => days === null || c.notAfter <= now + days * DAY)
    .sort((a, b) => a.notAfter - b.notAfter || a.fingerprint.localeCompare(b.fingerprint))
    .map((c) => {
      const state = credentialState(c, now);
      return {
        fingerprint: c.fingerprint,
        dipId: c.dipId,
        subject: c.subject,
        notAfter: iso(c.notAfter),
        daysLeft: Math.floor((c.notAfter - now) / DAY),
        state: state === 'active' && c.notAfter < now ? 'expired' : state,
        ...lifecycleShown(c),
      };
    });
  const apiKeys =
    days !== null
      ? []
      : view.apiKeys().map((k) => ({
          keyHash: k.keyHash,
          dipId: k.dipId,
          label: k.label ?? null,
          state: credentialState(k, now),
          ...lifecycleShown(k),
        }));
  return { certificates, apiKeys };
}

/** `expiringWithinDays`, when given: a whole number of days; undefined when it is not one. */
export function expiryDaysOf(raw: unknown): number | null | undefined {
  if (raw === undefined) return null;
  return typeof raw === 'string' && /^\d{1,5}$/.test(raw) ? Number(raw) : undefined;
}

export const EXPIRY_DAYS_HELP = 'expiringWithinDays is a whole number of days, 0 to 99999';

/** GET /admin/certificates: credentialRows, `expiringWithinDays=N` choosing the days. */
export function credentialsListing(view: RegistryView, query: Record<string, unknown>, now: number): Parsed<unknown> {
  const extra = unknownKeys(query, ['expiringWithinDays']);
  if (extra) return { ok: false, code: 'MSG1000', help: extra };
  const days = expiryDaysOf(query.expiringWithinDays);
  if (days === undefined) return { ok: false, code: 'MSG1000', help: EXPIRY_DAYS_HELP };
  return { ok: true, value: credentialRows(view, now, days) };
}
