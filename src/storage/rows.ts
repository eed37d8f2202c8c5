/**
 * What the two backends share beyond their SQL: rows as both return them (the same column names) mapped to
 * the contract's types, and what a batch keeps once its lost SURs are known.
 */
import { batchStatus, msgText, type StandardResponseItem } from '../domain/responses.js';
import type { CallEvidence, CertificateHeaderName } from '../domain/evidence.js';
import type { AcceptedBatch, ApiCall, ArchivedMessage, JournalEntry, StoredRecipients } from '../domain/archive.js';
import type { Service } from '../domain/appointments.js';
import type { Breaker } from '../domain/breaker.js';
import type { DeliveryState, Endpoint, WebhookConfig } from '../domain/delivery.js';
import type { CredentialLifecycle } from '../domain/credentials.js';
import type { AppointmentRecord } from '../domain/mpan-services.js';
import type { RegistryData, Role } from '../domain/model.js';
import type { ReplayKey, RequeueProgress } from '../domain/replay.js';
import type { QueuedCopy, QueueState } from '../domain/queue.js';
import type { DeliveryStore, MpanStore, ReplayStore } from './ports.js';

export type Row = Record<string, unknown>;

/** `list` in runs of at most `size`: statements whose parameters must stay bounded take one run each. */
export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** A column that may be null: a time, an HTTP status. */
export const optionalNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The journal entry of a message that lost a race for its SUR at commit: rejected, not archived. */
export const duplicateEntry = (e: JournalEntry): JournalEntry => ({
  ...e,
  status: 'InboundRuleFailure',
  statusCode: 400,
  messageSeq: null,
  transactionId: null,
  message: msgText('MSG1006'),
  reason: 'senderUniqueReference was accepted by the DIP in another request at the same moment',
});

export const toMessage = (r: Row): ArchivedMessage => ({
  seq: Number(r.seq),
  transactionId: r.transaction_id as string,
  channel: r.channel as string,
  eventCode: r.event_code as string,
  schemaVersion: r.schema_version as string,
  senderUniqueReference: r.sur as string,
  senderId: r.sender_id as string,
  senderRole: r.sender_role as string,
  dcpId: (r.dcp_id as string | null) ?? null,
  callerId: r.caller_id as string,
  correlationId: (r.correlation_id as string | null) ?? null,
  senderCorrelationId: (r.sender_correlation_id as string | null) ?? null,
  mpan: (r.mpan as string | null) ?? null,
  receivedAt: Number(r.received_at),
  requestId: r.request_id as string,
  payload: r.payload as Buffer,
  recipients: r.recipients ? (JSON.parse(r.recipients as string) as StoredRecipients) : null,
});

export const toJournal = (r: Row): JournalEntry => ({
  at: Number(r.at),
  stage: r.stage as JournalEntry['stage'],
  status: r.status as string,
  statusCode: Number(r.status_code),
  messageSeq: r.message_seq === null ? null : Number(r.message_seq),
  transactionId: (r.transaction_id as string | null) ?? null,
  senderUniqueReference: (r.sur as string | null) ?? null,
  channel: r.channel as string,
  eventCode: (r.event_code as string | null) ?? null,
  senderId: (r.sender_id as string | null) ?? null,
  mpan: (r.mpan as string | null) ?? null,
  correlationId: (r.correlation_id as string | null) ?? null,
  recipient: (r.recipient as string | null) ?? null,
  role: (r.role as string | null) ?? null,
  message: (r.message as string | null) ?? null,
  reason: (r.reason as string | null) ?? null,
  durationMs: Number(r.duration_ms),
});

/** call_evidence's columns, in the order both backends insert them. */
export const EVIDENCE_COLUMNS = [
  'request_id',
  'signer_id',
  'signed_method',
  'signed_url',
  'signature_date',
  'content_hash',
  'certificate_header',
  'certificate',
  'signature',
  'certificate_fingerprint',
  'body_sha256',
] as const;

/** A message as a search lists it: without its payload (the query leaves it out). */
export const toListedMessage = (r: Row): ArchivedMessage => toMessage({ ...r, payload: Buffer.alloc(0) });

/**
 * A call's row and its evidence's, for listings (`c` is api_calls; the evidence's request_id is left out, the call has
 * it).
 */
export const CALLS_WITH_EVIDENCE = `SELECT c.*, ${EVIDENCE_COLUMNS.slice(1)
  .map((k) => `e.${k}`)
  .join(', ')}
  FROM api_calls c LEFT JOIN call_evidence e ON e.request_id = c.request_id`;

/** The values of a call's evidence row, in EVIDENCE_COLUMNS order. */
export const evidenceValues = (requestId: string, e: CallEvidence): string[] => [
  requestId,
  e.signerId,
  e.method,
  e.url,
  e.signatureDate,
  e.contentHash,
  e.certificateHeader,
  e.certificate,
  e.signature,
  e.certificateFingerprint,
  e.bodySha256,
];

/** The evidence in a row (call_evidence's, or a call's joined with it); null when the row has none. */
export const toEvidence = (r: Row): CallEvidence | null =>
  r.signature === null || r.signature === undefined
    ? null
    : {
        signerId: r.signer_id as string,
        method: r.signed_method as string,
        url: r.signed_url as string,
        signatureDate: r.signature_date as string,
        contentHash: r.content_hash as string,
        certificateHeader: r.certificate_header as CertificateHeaderName,
        certificate: r.certificate as string,
        signature: r.signature as string,
        certificateFingerprint: r.certificate_fingerprint as string,
        bodySha256: r.body_sha256 as string,
      };

export const toCall = (r: Row): ApiCall => ({
  at: Number(r.at),
  requestId: r.request_id as string,
  callerId: (r.caller_id as string | null) ?? null,
  method: r.method as string,
  path: r.path as string,
  channel: (r.channel as string | null) ?? null,
  status: Number(r.status),
  messages: Number(r.messages),
  accepted: Number(r.accepted),
  durationMs: Number(r.duration_ms),
  remote: (r.remote as string | null) ?? null,
  outcome: (r.outcome as string | null) ?? null,
  evidence: toEvidence(r),
  onBehalfOf: (r.on_behalf_of as string | null) ?? null,
  rejections: r.rejections ? (JSON.parse(r.rejections as string) as Record<string, number>) : null,
});

/** A call's rejections as stored: JSON, or NULL when it refused no message. */
export const rejectionsColumn = (call: ApiCall): string | null =>
  call.rejections && Object.keys(call.rejections).length > 0 ? JSON.stringify(call.rejections) : null;

/** A call as a search lists it, with its id for the next page. */
export const toListedCall = (r: Row): ApiCall & { id: number } => ({ ...toCall(r), id: Number(r.id) });

/** call_evidence rows by request id (a row without a signature is no evidence). */
export function evidenceByRequest(rows: Row[]): Map<string, CallEvidence> {
  const found = new Map<string, CallEvidence>();
  for (const row of rows) {
    const e = toEvidence(row);
    if (e) found.set(row.request_id as string, e);
  }
  return found;
}

/** The registry's tables, each read whole. */
export const REGISTRY_QUERIES = {
  roles: 'SELECT dip_id, role FROM participant_roles ORDER BY dip_id, role',
  participants: 'SELECT dip_id, name FROM participants ORDER BY dip_id',
  grants: 'SELECT dcp_id, participant_id, role FROM dcp_grants',
  certificates:
    'SELECT fingerprint, dip_id, subject, not_after, created_at, active_from, deactivated_at, revoked_at FROM certificates',
  apiKeys: 'SELECT key_hash, dip_id, label, created_at, deactivated_at, revoked_at FROM api_keys',
} as const;

/** Migration 0009's columns: when a credential was registered, comes into force and was retired. */
const lifecycleOf = (r: Row): CredentialLifecycle => ({
  createdAt: Number(r.created_at),
  activeFrom: optionalNumber(r.active_from),
  deactivatedAt: optionalNumber(r.deactivated_at),
  revokedAt: optionalNumber(r.revoked_at),
});

export function toRegistry(rows: Record<keyof typeof REGISTRY_QUERIES, Row[]>): RegistryData {
  const roles = new Map<string, Role[]>();
  for (const r of rows.roles) {
    const list = roles.get(r.dip_id as string) ?? [];
    list.push(r.role as Role);
    roles.set(r.dip_id as string, list);
  }
  return {
    participants: rows.participants.map((r) => ({
      dipId: r.dip_id as string,
      name: r.name as string,
      roles: roles.get(r.dip_id as string) ?? [],
    })),
    dcpGrants: rows.grants.map((r) => ({
      dcpId: r.dcp_id as string,
      participantId: r.participant_id as string,
      role: r.role as Role,
    })),
    certificates: rows.certificates.map((r) => ({
      fingerprint: r.fingerprint as string,
      dipId: r.dip_id as string,
      subject: r.subject as string,
      notAfter: Number(r.not_after),
      ...lifecycleOf(r),
    })),
    apiKeys: rows.apiKeys.map((r) => ({
      keyHash: r.key_hash as string,
      dipId: r.dip_id as string,
      label: r.label as string,
      ...lifecycleOf(r),
    })),
  };
}

export const toAppointment = (r: Row): Awaited<ReturnType<MpanStore['appointments']>>[number] => ({
  mpan: r.mpan as string,
  service: r.service as Service,
  participantId: r.participant_id as string,
  from: Number(r.effective_from),
  to: optionalNumber(r.effective_to),
});

export const toAppointmentRecord = (r: Row): AppointmentRecord => ({
  service: r.service as Service,
  participantId: r.participant_id as string,
  from: Number(r.effective_from),
  to: optionalNumber(r.effective_to),
  source:
    r.source_seq === null || r.source_seq === undefined
      ? null
      : {
          seq: Number(r.source_seq),
          channel: (r.channel as string | null) ?? null,
          transactionId: (r.transaction_id as string | null) ?? null,
        },
});

export const toWebhook = (r: Row): WebhookConfig => ({
  recipientId: r.recipient_id as string,
  channel: r.channel as string,
  role: r.role as string,
  callbackUrl: r.callback_url as string,
  maxMessageCount: Number(r.max_message_count),
  maxPayloadKb: Number(r.max_payload_kb),
  configuredBy: r.configured_by as string,
});

/** An endpoint just claimed by `owner`. */
export const toEndpoint = (r: Row, owner: string): Endpoint => ({
  recipientId: r.recipient_id as string,
  channel: r.channel as string,
  role: r.role as string,
  breaker: JSON.parse(r.breaker as string) as Breaker,
  owner,
});

/** An original copy of a message with its state, for the journal. */
export const toCopyState = (r: Row): Awaited<ReturnType<DeliveryStore['deliveriesOf']>>[number] => ({
  id: Number(r.id),
  recipientId: r.recipient_id as string,
  role: (r.role as string) || null,
  channel: r.channel as string,
  state: r.state as DeliveryState,
  attempts: Number(r.attempts),
  firstFailureAt: optionalNumber(r.first_failure_at),
  nextAttemptAt: Number(r.next_attempt_at),
  lastAttemptAt: optionalNumber(r.last_attempt_at),
  lastStatus: optionalNumber(r.last_status),
  lastError: (r.last_error as string | null) ?? null,
  publicationId: (r.publication_id as string | null) ?? null,
});

/** A status message about a message, with the state of its delivery. */
export const toStatusState = (r: Row): Awaited<ReturnType<DeliveryStore['statusMessagesOf']>>[number] => ({
  id: Number(r.id),
  recipientId: r.recipient_id as string,
  role: r.role as string,
  item: JSON.parse(r.item as string) as StandardResponseItem,
  createdAt: Number(r.created_at),
  state: r.state as DeliveryState,
  lastAttemptAt: optionalNumber(r.last_attempt_at),
  lastStatus: optionalNumber(r.last_status),
});

export const toReplayKey = (r: Row): ReplayKey => ({
  seq: Number(r.seq),
  role: r.role as string,
  publicationId: (r.publication_id as string | null) ?? null,
});

export const toReplayedStatus = (r: Row): Awaited<ReturnType<ReplayStore['replayStatuses']>>[number] => ({
  id: Number(r.id),
  item: JSON.parse(r.item as string) as StandardResponseItem,
  createdAt: Number(r.created_at),
});

/** A requeue with its copies' counts (pending, delivered, failed), as both backends' requeue query returns it. */
export const toRequeueProgress = (r: Row): RequeueProgress => ({
  id: r.id as string,
  recipientId: r.recipient_id as string,
  channel: r.channel as string,
  requestedBy: r.requested_by as string,
  request: JSON.parse(r.request as string) as unknown,
  createdAt: Number(r.created_at),
  total: Number(r.total),
  roles: r.roles ? (JSON.parse(r.roles as string) as string[]) : null,
  pending: Number(r.pending),
  delivered: Number(r.delivered),
  failed: Number(r.failed),
});

/**
 * What of a batch is written once the SURs that lost a race at commit are known: their messages are
 * dropped, with their journal (an Inbound entry becomes the MSG1006 rejection), copies, status messages
 * and registry changes; the audit record counts what was kept.
 */
export function keptOfBatch(batch: AcceptedBatch, dropped: Set<number>, duplicates: number) {
  for (const [derived, source] of batch.derivedFrom ?? []) if (dropped.has(source)) dropped.add(derived);
  const kept = <T>(list: T[] | undefined, seqOf: (x: T) => number | null): T[] =>
    (list ?? []).filter((x) => {
      const s = seqOf(x);
      return s === null || !dropped.has(s);
    });
  const journal: JournalEntry[] = [];
  for (const e of batch.journal) {
    if (e.messageSeq === null || !dropped.has(e.messageSeq)) journal.push(e);
    else if (e.stage === 'Inbound') journal.push(duplicateEntry(e));
  }
  const accepted = batch.call.accepted - duplicates;
  return {
    messages: batch.messages.filter((m) => !dropped.has(m.seq)),
    journal,
    deliveries: kept(batch.deliveries, (d) => d.messageSeq),
    statusMessages: kept(batch.statusMessages, (m) => m.messageSeq),
    registryChanges: kept(batch.registryChanges, (c) => c.sourceSeq),
    call: { ...batch.call, accepted, status: batchStatus(accepted, batch.call.messages) },
  };
}

/** The distinct (recipient, channel) pairs of some webhooks: each is woken once however many roles it saves. */
export function recipientChannels(configs: readonly WebhookConfig[]): { recipientId: string; channel: string }[] {
  const pairs = new Map(
    configs.map((c) => [`${c.recipientId}|${c.channel}`, { recipientId: c.recipientId, channel: c.channel }]),
  );
  return [...pairs.values()];
}

/** A row of the operator's queue listing (queue-sql.ts), in the state the listing asked for. */
export const toQueuedCopy = (r: Row, state: QueueState): QueuedCopy => ({
  id: Number(r.id),
  kind: r.kind === 'status' ? 'status' : 'message',
  recipientId: String(r.recipient_id),
  role: String(r.role),
  channel: String(r.channel),
  state,
  transactionId: (r.transaction_id as string | null) ?? null,
  createdAt: Number(r.created_at),
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.next_attempt_at),
  lastStatus: optionalNumber(r.last_status),
  lastError: (r.last_error as string | null) ?? null,
});
