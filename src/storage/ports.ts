/**
 * The storage contract. Use cases depend on these narrow role interfaces only; each backend implements
 * all of them and passes the one contract test suite (test/storage/contract.ts).
 */
import type { DcpGrant, Participant, Role } from '../domain/model.js';
import type { StandardResponseItem } from '../domain/responses.js';
import type { Service } from '../catalogue/rules.js';
import type { RetentionPlan } from '../domain/retention.js';
import type { AuditScope } from '../domain/entitlement.js';
import type { CallEvidence } from '../domain/evidence.js';
import type { ArchivedMessage, JournalEntry } from '../domain/archive.js';

// The archive's vocabulary lives in the domain; it is named here too, as every store speaks it.
export {
  DIP_STAGES,
  type ArchivedMessage,
  type DipStage,
  type JournalEntry,
  type StoredRecipients,
} from '../domain/archive.js';

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
}

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

/** A change to who serves an MPAN; `sourceSeq` is the message that made it. */
export interface MpanChange {
  mpan: string;
  service: Service;
  action: 'appoint' | 'end';
  participantId: string;
  at: number;
  sourceSeq: number | null;
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

export interface IngestStore {
  /**
   * Reserves `count` consecutive sequence numbers and returns the first. Numbers are never reused and
   * only grow; gaps are allowed. `at` is when the messages were received (default now): a backend may
   * file them by it (PostgreSQL partitions the archive by the day a number carries).
   */
  reserveSequence(count: number, at?: number): Promise<number>;
  /** Which of these SURs were ever accepted. */
  existingReferences(surs: string[]): Promise<Set<string>>;
  /**
   * Commits the batch in one transaction. A message whose SUR was accepted meanwhile (by a concurrent
   * request) is not stored; its SUR is returned so the caller can reject it.
   */
  acceptBatch(batch: AcceptedBatch): Promise<{ duplicates: Set<string> }>;
  /** Audit of a call that archived nothing, with the journal entries of the messages it refused. */
  recordCall(call: ApiCall, journal?: JournalEntry[]): Promise<void>;
  /** Audit of many calls in one transaction. */
  recordCalls(calls: ApiCall[]): Promise<void>;
}

/** Who serves MPANs: read for routing, changed by registration messages and operator imports. */
export interface MpanStore {
  /** Every appointment on record for these MPANs (any date), for routing a batch. */
  appointments(
    mpans: string[],
  ): Promise<{ mpan: string; service: Service; participantId: string; from: number; to: number | null }[]>;
  /** Applies changes in one transaction (the same rules as routing's MpanView), e.g. an operator's bulk import. */
  applyMpanChanges(changes: MpanChange[]): Promise<number>;
}

/** The channel name under which status messages are configured, queued and delivered. */
export const STATUS_CHANNEL = 'STATUS';

export interface WebhookConfig {
  recipientId: string;
  /** The channel, or STATUS for status messages. */
  channel: string;
  /** The recipient's role it serves; '' (WHOLE) for the recipient's own channel-wide configuration. */
  role: string;
  callbackUrl: string;
  maxMessageCount: number;
  maxPayloadKb: number;
  configuredBy: string;
}

export interface WebhookStore {
  /** Every webhook of a recipient on a channel, one per role it was configured for (domain: webhookFor picks). */
  webhooks(recipientId: string, channel: string): Promise<WebhookConfig[]>;
  /** Saves the webhooks (one per role) in one transaction and makes their recipients' waiting copies due now. */
  saveWebhooks(configs: WebhookConfig[], now: number): Promise<void>;
  /** Deletes the recipient's webhooks on the channel for these roles; returns how many there were. */
  deleteWebhooks(recipientId: string, channel: string, roles: string[]): Promise<number>;
}

export type DeliveryState = 'pending' | 'delivered' | 'rejected' | 'held' | 'dead';

/** A copy waiting for its endpoint. A message's content is read separately (messagesBySeq): copies share it. */
export interface PendingDelivery {
  id: number;
  kind: 'message' | 'status';
  recipientId: string;
  role: string | null;
  attempts: number;
  firstFailureAt: number | null;
  createdAt: number;
  /** The archived message (kind message). */
  messageSeq: number | null;
  publicationId: string | null;
  /** The status item (kind status). */
  statusItem: StandardResponseItem | null;
  /** The requeue that made this copy (it is sent as a replay), or null. */
  requeueId: string | null;
}

export interface Endpoint {
  recipientId: string;
  channel: string;
  /** The role copies are delivered in; '' for status messages. */
  role: string;
  /** The circuit breaker's state, as the domain module keeps it. */
  breaker: unknown;
  /** Who holds the lease this endpoint was claimed under: only it can record an attempt or release it. */
  owner: string;
}

export interface DeliveryUpdate {
  id: number;
  state: DeliveryState;
  attempts: number;
  firstFailureAt: number | null;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
}

/** What one attempt at an endpoint changed, committed together. */
export interface AttemptRecord {
  endpoint: Endpoint;
  at: number;
  /** Copies the recipient took: one more attempt each, now delivered (the common case, written in bulk). */
  delivered: { ids: number[]; status: number | null };
  /** Every other copy of the call, with its new state. */
  updates: DeliveryUpdate[];
  journal: JournalEntry[];
  statusMessages: NewStatusMessage[];
  breaker: unknown;
  /** Not due again before this (an open breaker); otherwise when its earliest pending copy is due. */
  notBefore: number | null;
}

export interface DeliveryStore {
  /** When the next endpoint falls due (unleased, or its lease expired), or null when none is waiting. */
  earliestDue(): Promise<number | null>;
  /** Claims up to `limit` endpoints due at `now` (a lease of `leaseMs` for `owner`), earliest due first. */
  claimDueEndpoints(now: number, limit: number, owner: string, leaseMs: number): Promise<Endpoint[]>;
  /** The endpoint's copies due at `now`, oldest first. */
  pendingDeliveries(endpoint: Endpoint, now: number, limit: number): Promise<PendingDelivery[]>;
  /** Archived messages by sequence. */
  messagesBySeq(seqs: number[]): Promise<Map<number, ArchivedMessage>>;
  /** Records an attempt and ends the claim in one transaction; false, writing nothing, when `endpoint.owner` lost the lease. */
  recordAttempt(record: AttemptRecord): Promise<boolean>;
  /** Ends a claim without an attempt: due at its oldest copy, not before `notBefore`; `park`: not till a webhook is set. False: lease lost. */
  releaseEndpoint(endpoint: Endpoint, notBefore: number | null, park?: boolean): Promise<boolean>;
  /** Extends the leases `owner` still holds on these endpoints until `until`; returns the endpoints renewed. */
  renewLeases(endpoints: Endpoint[], owner: string, until: number): Promise<Endpoint[]>;
  /** Everyone holding an endpoint lease now, expired or not. */
  leaseHolders(): Promise<string[]>;
  /** Ends every lease these holders have (they are dead): their endpoints are due again at once. Returns how many. */
  releaseLeasesOf(holders: string[]): Promise<number>;
  /** The original copies of a message (not those a requeue made), with their state, for the journal. */
  deliveriesOf(
    messageSeq: number,
  ): Promise<
    (DeliveryUpdate & { recipientId: string; role: string | null; channel: string; lastAttemptAt: number | null })[]
  >;
  /** Status messages about a message, with the state of their delivery. */
  statusMessagesOf(messageSeq: number): Promise<
    {
      id: number;
      recipientId: string;
      role: string;
      item: StandardResponseItem;
      createdAt: number;
      state: DeliveryState;
      lastAttemptAt: number | null;
      lastStatus: number | null;
    }[]
  >;
  /** The roles in which this message was addressed to this recipient (none: it was not). */
  rolesAddressed(messageSeq: number, recipientId: string): Promise<string[]>;
  /** A message by transaction id, for status messages referring to it. */
  messageByTransactionId(transactionId: string): Promise<ArchivedMessage | null>;
  /** Queues status messages not tied to an accepted batch (e.g. POST /statusmessage). */
  addStatusMessages(messages: NewStatusMessage[], now: number): Promise<void>;
}

/** What a MessageRequest asks for, checked: nulls are "any". Times are transaction times, epoch ms, inclusive. */
export interface MessageFilter {
  from: number | null;
  to: number | null;
  eventCode: string | null;
  mpan: string | null;
  schemaVersion: string | null;
  /** Only these transactions (at most 100); null: any. */
  transactionIds: string[] | null;
}

/** Which of a recipient's messages on a channel to replay or requeue. */
export interface ReplayQuery extends MessageFilter {
  recipientId: string;
  /** Only copies received in these roles: those the caller acts in. */
  roles: string[];
  channel: string;
  /** Nothing received before this (retention). */
  notBefore: number;
}

/** Where a page of a replay ends: the last (message, role) returned. */
export interface ReplayCursor {
  seq: number;
  role: string;
}

/** One copy a recipient was sent: the message, the role it received it in, the publication id. */
export interface ReplayKey extends ReplayCursor {
  publicationId: string | null;
}

/** What a StatusMessageRequest asks for, checked. */
export interface StatusFilter {
  from: number;
  to: number;
  transactionId: string | null;
  senderUniqueReference: string | null;
  correlationId: string | null;
}

/** Which status messages sent to a recipient to replay or requeue. */
export interface StatusReplayQuery extends StatusFilter {
  recipientId: string;
  /** Only status messages received in these roles (WHOLE: those kept before roles were). */
  roles: string[];
  notBefore: number;
}

/** Whether a replay or requeue query is about a channel's messages (or else status messages). */
export const isMessageQuery = (q: ReplayQuery | StatusReplayQuery): q is ReplayQuery => 'channel' in q;

export interface Requeue {
  /** RequeueId: `<recipient>-<yyyymmdd>-<hex>`. */
  id: string;
  recipientId: string;
  /** The channel, or STATUS for status messages. */
  channel: string;
  requestedBy: string;
  request: unknown;
  createdAt: number;
  /** The recipient's roles it requeues; null for a requeue made before roles were kept (the recipient's own). */
  roles: string[] | null;
}

export interface RequeueProgress extends Requeue {
  total: number;
  pending: number;
  delivered: number;
  /** Copies rejected, held or dead-lettered. */
  failed: number;
}

export interface ReplayStore {
  /** The recipient's original copies matching the query, by message then role, after `after`; at most `limit`. */
  replayKeys(query: ReplayQuery, after: ReplayCursor | null, limit: number): Promise<ReplayKey[]>;
  /** Status messages sent to the recipient matching the query, oldest first, after the id `after`. */
  replayStatuses(
    query: StatusReplayQuery,
    after: number | null,
    limit: number,
  ): Promise<{ id: number; item: StandardResponseItem; createdAt: number }[]>;
  /**
   * Starts a requeue: a new copy, due now, of everything the query matches, in one transaction. Returns the
   * number of copies, or null (and does nothing) while another requeue of this recipient and channel has
   * copies pending in one of the query's roles.
   */
  startRequeue(requeue: Requeue, query: ReplayQuery | StatusReplayQuery): Promise<number | null>;
  /** Requeues of this recipient and channel, newest first (or the one named), with their copies' progress. */
  requeues(recipientId: string, channel: string, id: string | null): Promise<RequeueProgress[]>;
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
}

export interface AuditStore {
  /**
   * Archived messages matching the criteria, by sequence after `after`, without their payloads (empty).
   * `scope`: only messages the caller sent itself, or that a participant sent or was addressed in a role
   * the caller acts in; null: all.
   */
  searchMessages(
    criteria: AuditCriteria,
    scope: AuditScope | null,
    after: number | null,
    limit: number,
  ): Promise<ArchivedMessage[]>;
  /** API calls, newest first, before the call id `before`; `visibleTo` as above (the caller). */
  searchCalls(
    criteria: { from?: number | null; to?: number | null; channel?: string | null; callerId?: string | null },
    visibleTo: string[] | null,
    before: number | null,
    limit: number,
  ): Promise<(ApiCall & { id: number })[]>;
  /** The evidence kept for these requests (messages carry their request id); requests without any are absent. */
  evidenceOf(requestIds: string[]): Promise<Map<string, CallEvidence>>;
}

export interface ArchiveReader {
  messageBySeq(seq: number): Promise<ArchivedMessage | null>;
  messageByReference(sur: string): Promise<ArchivedMessage | null>;
  countMessages(channel?: string): Promise<number>;
  journalOf(messageSeq: number): Promise<JournalEntry[]>;
  journalOfReference(sur: string): Promise<JournalEntry[]>;
  recentCalls(limit: number): Promise<ApiCall[]>;
}

export interface CertificateRecord {
  fingerprint: string;
  dipId: string;
  subject: string;
  notAfter: number;
  pem: string;
}

export interface RegistryData {
  participants: Participant[];
  dcpGrants: DcpGrant[];
  certificates: Omit<CertificateRecord, 'pem'>[];
  /** SHA-256 hex of each API key → participant. */
  apiKeys: { keyHash: string; dipId: string }[];
}

export interface RegistryStore {
  loadRegistry(): Promise<RegistryData>;
  saveParticipant(participant: Participant): Promise<void>;
  grantDcp(grant: DcpGrant): Promise<void>;
  revokeDcp(participantId: string, role: Role): Promise<void>;
  addCertificate(cert: CertificateRecord): Promise<void>;
  addApiKey(keyHash: string, dipId: string, label: string): Promise<void>;
  isEmpty(): Promise<boolean>;
}

export interface HousekeepingReport {
  /** Endpoint leases found expired and cleared (their holder died or stalled). */
  leasesRescued: number;
  partitionsCreated: number;
  partitionsDropped: number;
  /** Archived messages removed because they were past retention. */
  messagesPurged: number;
}

/** Maintenance that runs on one node at a time: lease rescue, partitions ahead of time, retention. */
export interface HousekeepingStore {
  /** True while this process holds the housekeeping role; it takes the role when no live process has it. */
  leadHousekeeping(): Promise<boolean>;
  /** Rescues expired leases, prepares the coming months' partitions, and purges what the plan says is past retention. */
  housekeeping(now: number, retention: RetentionPlan): Promise<HousekeepingReport>;
}

export interface Store
  extends
    IngestStore,
    ArchiveReader,
    RegistryStore,
    MpanStore,
    WebhookStore,
    DeliveryStore,
    HousekeepingStore,
    ReplayStore,
    AuditStore {
  readonly backend: 'sqlite' | 'postgres';
  /**
   * Calls `listener` when another process makes delivery work due (PostgreSQL LISTEN/NOTIFY); a hint
   * that cuts latency, never the guarantee. Absent where one process owns the store.
   */
  watchDue?(listener: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
