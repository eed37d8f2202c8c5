/**
 * The archive's vocabulary: a message as archived, whom it was addressed to, its journal, the API call that
 * brought it, and what ingress commits in one transaction. No behaviour.
 */
import type { MpanChange } from './appointments.js';
import type { CallEvidence } from './evidence.js';
import type { StandardResponseItem } from './responses.js';

/** One accepted message as archived: stored once, as received (canonical field names), plus what the DIP adds. */
export interface ArchivedMessage {
  /** The transaction sequence: unique, increasing; the hex tail of the transaction id (safe integer). */
  seq: number;
  transactionId: string;
  channel: string;
  eventCode: string;
  schemaVersion: string;
  senderUniqueReference: string;
  senderId: string;
  senderRole: string;
  /** DIPConnectionProviderID from S1, when a DCP sent for the sender. */
  dcpId: string | null;
  /** The authenticated physical sender (the participant itself or its DCP). */
  callerId: string;
  /** D0.initialCorrelationID: created by the DIP or copied from the sender, per the channel's rule. */
  correlationId: string | null;
  senderCorrelationId: string | null;
  mpan: string | null;
  /** Transaction timestamp, epoch ms. */
  receivedAt: number;
  requestId: string;
  /**
   * The payload (CommonBlock + CustomBlock) as UTF-8 JSON, exactly the bytes the sender wrote and signed, or
   * their canonically spelled re-serialisation when field names had to be corrected. D0 is rebuilt on egress.
   */
  payload: Buffer;
  /** Whom the DIP addressed it to: the sender's primary list and every resolved (recipient, role, kind). */
  recipients: StoredRecipients | null;
}

export interface StoredRecipients {
  primaryRecipients: string[];
  recipients: { dipId: string; role: string; kind: 'primary' | 'secondary' | 'always' }[];
}

export const DIP_STAGES = ['Inbound', 'MPANUpdateQueue', 'Addressing', 'Outbound', 'StatusMessage'] as const;
export type DipStage = (typeof DIP_STAGES)[number];

/** One journal entry (DIPJournalRecord.JournalEntries, 2.2.1 facts §10). */
export interface JournalEntry {
  at: number;
  stage: DipStage;
  status: string;
  statusCode: number;
  /** The archived message this entry belongs to; null for a message rejected on ingress. */
  messageSeq: number | null;
  transactionId: string | null;
  senderUniqueReference: string | null;
  channel: string;
  eventCode: string | null;
  senderId: string | null;
  mpan: string | null;
  correlationId: string | null;
  recipient: string | null;
  /** The recipient's role, on entries about one copy (Outbound, StatusMessage); null otherwise. */
  role: string | null;
  message: string | null;
  reason: string | null;
  durationMs: number;
}

/** Sends of one channel, hour and HTTP status: what a dashboard draws its traffic from. */
export interface SendTotal {
  channel: string | null;
  /** The hour's start, epoch ms (UTC). */
  hourStart: number;
  status: number;
  calls: number;
  messages: number;
  accepted: number;
}

/** Copies of one channel's messages addressed to a participant since a time, counted up to a cap. */
export interface ReceivedTotal {
  channel: string;
  copies: number;
  /** More than `copies` were addressed: the count stopped at the cap. */
  atLeast: boolean;
}

/** One API call, for the audit trail (seed §7). */
export interface ApiCall {
  at: number;
  requestId: string;
  callerId: string | null;
  method: string;
  path: string;
  channel: string | null;
  status: number;
  messages: number;
  accepted: number;
  durationMs: number;
  remote: string | null;
  outcome: string | null;
  /**
   * What the caller signed, for a call whose signature and body the DIP verified; null otherwise (and on
   * calls recorded before the DIP kept it). Written in the same transaction as the call's record.
   */
  evidence?: CallEvidence | null;
  /**
   * The participant an operator acted for (the operator API's on-behalf routes); null when the caller acted as
   * itself, and on calls recorded before the DIP kept it.
   */
  onBehalfOf?: string | null;
  /** The messages a send refused, counted by DIP code (MSG…); null when it refused none. */
  rejections?: Record<string, number> | null;
}

/** A sender's refused messages of one channel and code since a time: its dashboard's rejects by code. */
export interface RejectionTotal {
  channel: string | null;
  code: string;
  messages: number;
}

/** Audit search criteria (seed §7); every one given must hold. Times are transaction times, epoch ms. */
export interface AuditCriteria {
  channel?: string | null;
  transactionId?: string | null;
  senderUniqueReference?: string | null;
  correlationId?: string | null;
  from?: number | null;
  to?: number | null;
  mpan?: string | null;
  sender?: string | null;
  /** A participant the message was addressed to. */
  receiver?: string | null;
  /**
   * Only what the searcher sent (itself, or for whom it acts in the role sent in), or only what was
   * addressed to it in a role it acts in; either when absent. Operators, who see all, are not narrowed.
   */
  direction?: Direction | null;
}

export const DIRECTIONS = ['sent', 'received'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** A copy to deliver: a message to one (recipient, role). Status messages get theirs from NewStatusMessage. */
export interface NewDelivery {
  messageSeq: number;
  recipientId: string;
  role: string;
  channel: string;
  publicationId: string;
}

/** A status message for a sender's status webhook, about one of its messages. */
export interface NewStatusMessage {
  recipientId: string;
  /** The role the recipient sent the message in: it receives, replays and sees the status message in that role. */
  role: string;
  messageSeq: number | null;
  item: StandardResponseItem;
}

/**
 * Messages the DIP makes from others of a batch, committed with them (a consumption replay's PUB-016 from its IF-015).
 */
export interface DerivedMessages {
  messages: ArchivedMessage[];
  deliveries: NewDelivery[];
  journal: JournalEntry[];
  /** Each derived message's sequence → the sequence of the message it answers. */
  derivedFrom: Map<number, number>;
}

export interface AcceptedBatch {
  messages: ArchivedMessage[];
  /**
   * Entries for messages of this request, accepted or rejected. Whatever belongs to a message found to be
   * a duplicate at commit (journal, deliveries, status messages, registry changes) is dropped with it.
   */
  journal: JournalEntry[];
  call: ApiCall;
  deliveries?: NewDelivery[];
  statusMessages?: NewStatusMessage[];
  registryChanges?: MpanChange[];
  /**
   * Messages the DIP made from others of the batch (a consumption replay's PUB-016 from its IF-015):
   * derived sequence → source sequence. They are dropped with their source; they come after it in `messages`.
   */
  derivedFrom?: Map<number, number>;
}

/** What every journal entry about a message repeats of it, so that the journal reads without the archive. */
export type JournalSubject = Pick<
  JournalEntry,
  | 'messageSeq'
  | 'transactionId'
  | 'senderUniqueReference'
  | 'channel'
  | 'eventCode'
  | 'senderId'
  | 'mpan'
  | 'correlationId'
>;

/** What happened to the subject: at which stage, with which outcome, and for which copy (recipient and role). */
export interface JournalEvent {
  stage: DipStage;
  status: string;
  statusCode: number;
  message: string | null;
  reason: string | null;
  recipient?: string | null;
  role?: string | null;
  durationMs?: number;
}

export const subjectOf = (m: ArchivedMessage): JournalSubject => ({
  messageSeq: m.seq,
  transactionId: m.transactionId,
  senderUniqueReference: m.senderUniqueReference,
  channel: m.channel,
  eventCode: m.eventCode,
  senderId: m.senderId,
  mpan: m.mpan,
  correlationId: m.correlationId,
});

/** A subject that is no archived message (a status message about a transaction, or none). */
export const bareSubject = (channel: string, transactionId: string | null): JournalSubject => ({
  messageSeq: null,
  transactionId,
  senderUniqueReference: null,
  channel,
  eventCode: null,
  senderId: null,
  mpan: null,
  correlationId: null,
});

export function journalEntry(at: number, subject: JournalSubject, event: JournalEvent): JournalEntry {
  return {
    at,
    ...subject,
    stage: event.stage,
    status: event.status,
    statusCode: event.statusCode,
    recipient: event.recipient ?? null,
    role: event.role ?? null,
    message: event.message,
    reason: event.reason,
    durationMs: event.durationMs ?? 0,
  };
}
