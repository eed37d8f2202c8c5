/**
 * Audit search (seed §7): find messages by channel, transaction id, SUR, correlation id, time range, MPAN,
 * sender and receiver, and read any one's journal and the evidence of what its sender signed; list API
 * calls. Operators see all traffic (they run `opendip audit` beside the store); a participant, through the
 * API, sees only the messages it sent itself (also as a DIP Connection Provider), and those sent by or
 * addressed to a participant in a role it acts in.
 */
import { createCertificateCache } from '../crypto/certificates.js';
import { formatDateTime, parseDateTime } from '../domain/time.js';
import { covers, type AuditScope } from '../domain/entitlement.js';
import type { CallEvidence } from '../domain/evidence.js';
import { readJournalRecord, type Viewer } from '../status/journal.js';
import { DIRECTIONS, type ArchivedMessage, type AuditCriteria, type Direction } from '../domain/archive.js';
import type { Store } from '../storage/ports.js';
import { evidenceView, type EvidenceView } from './evidence.js';
import type { TicketUrl } from '../domain/ticket.js';

export const MAX_AUDIT_PAGE = 1_000;

/** What a search lists of each message. */
export function messageSummary(m: ArchivedMessage, ticketUrl: TicketUrl) {
  return {
    transactionID: m.transactionId,
    senderUniqueReference: m.senderUniqueReference,
    channel: m.channel,
    eventCode: m.eventCode,
    schemaVersion: m.schemaVersion,
    senderID: m.senderId,
    senderRoleID: m.senderRole,
    DIPConnectionProviderID: m.dcpId,
    correlationID: m.correlationId,
    MPAN: m.mpan,
    transactionTimestamp: formatDateTime(m.receivedAt),
    recipients: m.recipients?.recipients ?? [],
    serviceTicketURL: ticketUrl(m.transactionId),
  };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; help: string };

/** Search criteria from query parameters, named as in the DIP's own schemas (transactionID, MPAN, datetimeFrom, …). */
export function criteriaFrom(
  query: Record<string, string | undefined>,
): Parsed<{ criteria: AuditCriteria; after: number | null; limit: number; journal: boolean }> {
  const repeated = Object.entries(query)
    .filter(([, v]) => v !== undefined && typeof v !== 'string')
    .map(([k]) => k);
  if (repeated.length > 0) return { ok: false, help: `give each search parameter once: ${repeated.join(', ')}` };
  const known = [
    'channel',
    'transactionID',
    'senderUniqueReference',
    'correlationID',
    'datetimeFrom',
    'datetimeTo',
    'MPAN',
    'senderID',
    'recipientID',
    'direction',
    'after',
    'limit',
    'journal',
  ];
  const unknown = Object.keys(query).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    return { ok: false, help: `unknown search parameter ${unknown.join(', ')}; use ${known.join(', ')}` };
  const time = (name: string): number | null | string => {
    const v = query[name];
    if (v === undefined || v === '') return null;
    return parseDateTime(v) ?? `${name} '${v}' is not a date-time like 2026-11-28T00:00:00+00:00`;
  };
  const from = time('datetimeFrom');
  const to = time('datetimeTo');
  for (const t of [from, to]) if (typeof t === 'string') return { ok: false, help: t };
  const int = (name: string, fallback: number | null, max: number): number | null | string => {
    const v = query[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    return Number.isSafeInteger(n) && n >= 0 && n <= max ? n : `${name} must be a whole number up to ${max}`;
  };
  const after = int('after', null, Number.MAX_SAFE_INTEGER);
  const limit = int('limit', 100, MAX_AUDIT_PAGE);
  for (const v of [after, limit]) if (typeof v === 'string') return { ok: false, help: v };
  const text = (name: string): string | null => query[name] || null;
  if (query.journal !== undefined && !['true', 'false'].includes(query.journal))
    return { ok: false, help: 'journal must be true or false' };
  const direction = text('direction');
  if (direction !== null && !(DIRECTIONS as readonly string[]).includes(direction))
    return { ok: false, help: `direction must be ${DIRECTIONS.join(' or ')}, not '${direction}'` };
  return {
    ok: true,
    value: {
      criteria: {
        channel: text('channel')?.toUpperCase() ?? null,
        transactionId: text('transactionID'),
        senderUniqueReference: text('senderUniqueReference'),
        correlationId: text('correlationID'),
        from: from as number | null,
        to: to as number | null,
        mpan: text('MPAN'),
        sender: text('senderID'),
        receiver: text('recipientID'),
        direction: direction as Direction | null,
      },
      after: after as number | null,
      limit: (limit as number) || 1,
      journal: query.journal === 'true',
    },
  };
}

export interface CallQuery {
  criteria: { from: number | null; to: number | null; channel: string | null; callerId: string | null };
  before: number | null;
  limit: number;
}

/**
 * An API-call search from query parameters: datetimeFrom, datetimeTo, channel, before (a call id), limit,
 * and (for the operator, `byCaller`) callerID.
 */
export function callQueryFrom(q: Record<string, unknown>, byCaller: boolean): Parsed<CallQuery> {
  if (Object.values(q).some((v) => v !== undefined && typeof v !== 'string')) {
    return { ok: false, help: 'give each search parameter once' };
  }
  const text = q as Record<string, string | undefined>;
  const time = (v: string | undefined): number | null | undefined => (v ? (parseDateTime(v) ?? undefined) : null);
  const [from, to] = [time(text.datetimeFrom), time(text.datetimeTo)];
  const before = text.before ? Number(text.before) : null;
  const limit = text.limit ? Number(text.limit) : 100;
  const callerId = byCaller ? (text.callerID ?? null) : null;
  if (
    from === undefined ||
    to === undefined ||
    (before !== null && !Number.isSafeInteger(before)) ||
    !Number.isSafeInteger(limit) ||
    limit < 1 ||
    limit > MAX_AUDIT_PAGE ||
    (callerId !== null && !/^[0-9A-Fa-f]{10}$/.test(callerId))
  ) {
    return {
      ok: false,
      help: `datetimeFrom and datetimeTo are date-times like 2026-11-28T00:00:00+00:00; before a call id; limit 1 to ${MAX_AUDIT_PAGE}${byCaller ? '; callerID a DIP id' : ''}`,
    };
  }
  return {
    ok: true,
    value: { criteria: { from, to, channel: text.channel?.toUpperCase() ?? null, callerId }, before, limit },
  };
}

export interface AuditDeps {
  store: Pick<
    Store,
    'searchMessages' | 'searchCalls' | 'evidenceOf' | 'messageBySeq' | 'journalOf' | 'deliveriesOf' | 'statusMessagesOf'
  >;
  /** The audit and service-ticket URL of a transaction, when this DIP knows its public address. */
  ticketUrl: TicketUrl;
}

/**
 * How a scope sees a message's journal: as its sender when it sent it itself or acts for the sender in the
 * role it was sent in; otherwise the copies received in the roles it acts in. Operators (null) see all.
 */
export function viewerOf(m: ArchivedMessage, scope: AuditScope | null): Viewer {
  if (scope === null) return { isSender: true, sees: () => true };
  return {
    isSender: m.callerId === scope.callerId || covers(scope.entitlements, m.senderId, m.senderRole),
    sees: (recipientId, role) => covers(scope.entitlements, recipientId, role),
  };
}

export function createAudit(deps: AuditDeps) {
  // Evidence is checked again on every read; a participant's certificate is parsed once.
  const certificates = createCertificateCache(256);
  const view = (e: CallEvidence | null | undefined): EvidenceView | null => (e ? evidenceView(e, certificates) : null);

  /**
   * What a message's sender signed: the evidence of the request that brought it. A message the DIP made
   * itself while answering a request (a consumption replay's PUB-016) was not signed by that request's
   * caller, so it has none.
   */
  const evidenceFor = (m: ArchivedMessage, evidence: Map<string, CallEvidence>): EvidenceView | null => {
    const e = evidence.get(m.requestId);
    return e && e.signerId === m.callerId ? view(e) : null;
  };

  /** The record of a message the viewer was found to see; null if it was purged meanwhile. */
  const recordOf = async (seq: number, scope: AuditScope | null, evidence: Map<string, CallEvidence> | null = null) => {
    const m = await deps.store.messageBySeq(seq);
    if (!m) return null;
    return {
      message: messageSummary(m, deps.ticketUrl),
      journal: await readJournalRecord(deps.store, m, viewerOf(m, scope)),
      evidence: evidenceFor(m, evidence ?? (await deps.store.evidenceOf([m.requestId]))),
    };
  };

  /**
   * One message, its journal (DIPJournalRecord) and its evidence, as the scope may see it; null when it may see none.
   */
  const record = async (transactionId: string, scope: AuditScope | null) => {
    const [found] = await deps.store.searchMessages({ transactionId }, scope, null, 1);
    return found ? recordOf(found.seq, scope) : null;
  };

  return {
    record,
    /**
     * A page of matching messages, each with its journal when asked (as `record` gives it), and the cursor
     * of the next page (null when this is the last).
     */
    async search(
      criteria: AuditCriteria,
      scope: AuditScope | null,
      after: number | null,
      limit: number,
      withJournal = false,
    ) {
      const found = await deps.store.searchMessages(criteria, scope, after, limit + 1);
      const page = found.slice(0, limit);
      const next = found.length > limit ? String(page.at(-1)!.seq) : null;
      if (!withJournal) return { messages: page.map((m) => messageSummary(m, deps.ticketUrl)), next };
      // Messages of one request share its evidence: read once for the page.
      const evidence = await deps.store.evidenceOf(page.map((m) => m.requestId));
      const records = await Promise.all(page.map((m) => recordOf(m.seq, scope, evidence)));
      // A message purged between the search and its record is left out.
      return {
        messages: records.flatMap((r) => (r ? [{ ...r.message, journal: r.journal, evidence: r.evidence }] : [])),
        next,
      };
    },

    /** API calls, newest first. */
    async calls(
      criteria: { from?: number | null; to?: number | null; channel?: string | null; callerId?: string | null },
      visibleTo: string[] | null,
      before: number | null,
      limit: number,
    ) {
      const found = await deps.store.searchCalls(criteria, visibleTo, before, limit + 1);
      const page = found.slice(0, limit);
      return {
        calls: page.map(({ id, ...c }) => ({ id, ...c, at: formatDateTime(c.at), evidence: view(c.evidence) })),
        next: found.length > limit ? String(page.at(-1)!.id) : null,
      };
    },
  };
}
