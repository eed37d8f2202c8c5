/** Rows as both backends return them (the same column names), mapped to the contract's types. */
import { batchStatus, msgText } from '../domain/responses.js';
import type { CallEvidence, CertificateHeaderName } from '../domain/evidence.js';
import type { AcceptedBatch, ApiCall, ArchivedMessage, JournalEntry, StoredRecipients } from '../domain/archive.js';
import type { RequeueProgress } from '../domain/replay.js';
import type { WebhookConfig } from '../domain/delivery.js';

export type Row = Record<string, unknown>;

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

/** A call's row and its evidence's, for listings (`c` is api_calls; the evidence's request_id is left out, the call has it). */
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
