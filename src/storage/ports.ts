/**
 * The storage contract. Use cases depend on these narrow role interfaces only; each backend implements
 * all of them and passes the one contract test suite (test/storage/contract.ts).
 * The records they speak (messages, journal entries, copies, webhooks, queries) are the domain's vocabulary.
 */
import type { CopySelector, QueueActionResult, QueueCursor, QueueFilter, QueuedCopy } from '../domain/queue.js';
import type { CopyNotice, ReleaseNotice } from '../domain/release.js';
import type { WaitingSweepResult } from '../domain/waiting.js';
import type { EndpointCursor, EndpointFilter, EndpointView } from '../domain/endpoint-view.js';
import type {
  AcceptedBatch,
  ApiCall,
  ArchivedMessage,
  AuditCriteria,
  JournalEntry,
  NewStatusMessage,
  ReceivedTotal,
  RejectionTotal,
  SendTotal,
} from '../domain/archive.js';
import type { MpanChange, Service } from '../domain/appointments.js';
import type { CredentialKind, Retirement } from '../domain/credentials.js';
import type { AppointmentRecord } from '../domain/mpan-services.js';
import type {
  AttemptRecord,
  DeliveryState,
  DeliveryUpdate,
  Endpoint,
  PendingDelivery,
  WebhookConfig,
} from '../domain/delivery.js';
import type { AuditScope } from '../domain/entitlement.js';
import type { CallEvidence } from '../domain/evidence.js';
import type { Pause, PauseScope } from '../domain/pause.js';
import type { PortalLink, PortalUser } from '../domain/portal-user.js';
import type { CertificateRecord, DcpGrant, Participant, RegistryData, Role } from '../domain/model.js';
import type {
  ReplayCursor,
  ReplayKey,
  ReplayQuery,
  Requeue,
  RequeueProgress,
  StatusReplayQuery,
} from '../domain/replay.js';
import type { StandardResponseItem } from '../domain/responses.js';
import type { HousekeepingReport, RetentionPlan } from '../domain/retention.js';

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
  /** Every appointment on record for one MPAN, by service and start, each with the message that made it. */
  mpanHistory(mpan: string): Promise<AppointmentRecord[]>;
}

export interface WebhookStore {
  /** Every webhook of a recipient on a channel, one per role it was configured for (domain: webhookFor picks). */
  webhooks(recipientId: string, channel: string): Promise<WebhookConfig[]>;
  /** Saves the webhooks (one per role) in one transaction and makes their recipients' waiting copies due now. */
  saveWebhooks(configs: WebhookConfig[], now: number): Promise<void>;
  /** Deletes the recipient's webhooks on the channel for these roles; returns how many there were. */
  deleteWebhooks(recipientId: string, channel: string, roles: string[]): Promise<number>;
}

export interface DeliveryStore {
  /** When the next endpoint falls due (unleased, or its lease expired), or null when none is waiting. */
  earliestDue(): Promise<number | null>;
  /** The same, per channel: when each channel's earliest endpoint fell or falls due (channels with none left out). */
  earliestDueByChannel(): Promise<{ channel: string; due: number }[]>;
  /** Claims up to `limit` endpoints due at `now` (a lease of `leaseMs` for `owner`), earliest due first. */
  claimDueEndpoints(now: number, limit: number, owner: string, leaseMs: number): Promise<Endpoint[]>;
  /** The endpoint's copies due at `now`, oldest first. */
  pendingDeliveries(endpoint: Endpoint, now: number, limit: number): Promise<PendingDelivery[]>;
  /** Archived messages by sequence. */
  messagesBySeq(seqs: number[]): Promise<Map<number, ArchivedMessage>>;
  /**
   * Records an attempt and ends the claim in one transaction; false, writing nothing, when `endpoint.owner` lost the
   * lease.
   */
  recordAttempt(record: AttemptRecord): Promise<boolean>;
  /**
   * Ends a claim without an attempt: due at its oldest copy, not before `notBefore`; `park`: not till a webhook is set.
   * False: lease lost.
   */
  releaseEndpoint(endpoint: Endpoint, notBefore: number | null, park?: boolean): Promise<boolean>;
  /** Extends the leases `owner` still holds on these endpoints until `until`; returns the endpoints renewed. */
  renewLeases(endpoints: Endpoint[], owner: string, until: number): Promise<Endpoint[]>;
  /** Everyone holding an endpoint lease now, expired or not. */
  leaseHolders(): Promise<string[]>;
  /** Ends every lease these holders have (they are dead): their endpoints are due again at once. Returns how many. */
  releaseLeasesOf(holders: string[]): Promise<number>;
  /** The original copies of a message (not those a requeue made), with their state, for the journal. */
  deliveriesOf(messageSeq: number): Promise<
    (DeliveryUpdate & {
      recipientId: string;
      role: string | null;
      channel: string;
      lastAttemptAt: number | null;
      /** The publication the copy went out under (D0.publicationID). */
      publicationId: string | null;
    })[]
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

/** The operator's view of the delivery queue (the operator API's deliveries routes). */
export interface QueueStore {
  /** Copies matching the filter, counted up to `cap + 1` at most (more than `cap` means "more than cap"). */
  countQueue(filter: QueueFilter, cap: number): Promise<number>;
  /** A page of matching copies in endpoint order (recipient, channel, role, next attempt, id), after the cursor. */
  listQueue(filter: QueueFilter, after: QueueCursor | null, limit: number): Promise<QueuedCopy[]>;
  /**
   * Held and dead copies the selector takes (at most QUEUE_ACTION_BATCH) become pending and due now, their
   * endpoints due now with the breaker closed, each copy journaled `Redriven` by the operator; one transaction.
   */
  redriveCopies(selector: CopySelector, now: number, operatorId: string): Promise<QueueActionResult>;
  /**
   * Held and pending copies the selector takes (at most QUEUE_ACTION_BATCH), on endpoints no delivery runner
   * holds, end `dead`, each journaled `Released` by the operator; each message copy's sender gets `notice` as a
   * status message (status copies get none). One transaction: a kill -9 leaves all of it or none.
   */
  releaseCopies(
    selector: CopySelector,
    now: number,
    operatorId: string,
    notice: ReleaseNotice,
  ): Promise<QueueActionResult>;
  /** A page of endpoints matching the filter, by recipient, channel and role, after the cursor. */
  listEndpoints(filter: EndpointFilter, after: EndpointCursor | null, limit: number): Promise<EndpointView[]>;
  /**
   * The waiting sweep: message copies of parked endpoints (no webhook) due at or before `cutoff` and not told
   * before get `notice` sent to their sender, are marked told and journaled `WaitingForWebhook` with `reason`;
   * at most WAITING_SWEEP_BATCH copies walked, in one transaction (a kill -9 leaves all of it or none).
   */
  noticeWaitingCopies(cutoff: number, now: number, reason: string, notice: CopyNotice): Promise<WaitingSweepResult>;
}

/**
 * Pauses of ingress and delivery (the operator API's pause routes), persisted so that they survive a restart
 * and reach every process. Each operation is one transaction: a kill -9 leaves it done or not done.
 */
export interface PauseStore {
  /** Saves the pause, replacing one of the same scope (its reason, Retry-After, who and when). */
  savePause(pause: Pause): Promise<void>;
  /** Ends the pause of exactly this scope; false when there was none. Ending a delivery pause wakes workers. */
  deletePause(scope: PauseScope): Promise<boolean>;
  /** Every pause in force. */
  listPauses(): Promise<Pause[]>;
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
   * copies pending in one of the query's roles. With `journalReason`, each copy is journaled `Requeued` with
   * it in that transaction (a kill -9 leaves all or nothing).
   */
  startRequeue(requeue: Requeue, query: ReplayQuery | StatusReplayQuery): Promise<number | null>;
  /** Requeues of this recipient and channel, newest first (or the one named), with their copies' progress. */
  requeues(recipientId: string, channel: string, id: string | null): Promise<RequeueProgress[]>;
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
  /** Sends since `since` by channel, hour and HTTP status: of one caller, or (null) of everyone. */
  sendTotals(since: number, callerId: string | null): Promise<SendTotal[]>;
  /**
   * Copies addressed to a participant (in any role) of each channel's messages received since `since`,
   * counted up to `cap` per channel: read from the index of its copies by message, from the first
   * message of the day on.
   */
  receivedTotals(recipientId: string, since: number, cap: number): Promise<ReceivedTotal[]>;
  /** The messages a caller's sends since `since` refused, by channel and DIP code, most first. */
  rejectionTotals(since: number, callerId: string): Promise<RejectionTotal[]>;
}

export interface ArchiveReader {
  messageBySeq(seq: number): Promise<ArchivedMessage | null>;
  messageByReference(sur: string): Promise<ArchivedMessage | null>;
  countMessages(channel?: string): Promise<number>;
  journalOf(messageSeq: number): Promise<JournalEntry[]>;
  journalOfReference(sur: string): Promise<JournalEntry[]>;
  recentCalls(limit: number): Promise<ApiCall[]>;
}

export interface RegistryStore {
  loadRegistry(): Promise<RegistryData>;
  saveParticipant(participant: Participant): Promise<void>;
  grantDcp(grant: DcpGrant): Promise<void>;
  revokeDcp(participantId: string, role: Role): Promise<void>;
  addCertificate(cert: CertificateRecord): Promise<void>;
  addApiKey(keyHash: string, dipId: string, label: string): Promise<void>;
  /**
   * Retires a certificate (by fingerprint) or an API key (by hash) from `at`: one statement, so a kill -9
   * leaves it retired or not; false when there is no such credential.
   */
  retireCredential(kind: CredentialKind, id: string, how: Retirement, at: number): Promise<boolean>;
  isEmpty(): Promise<boolean>;
}

/** Maintenance that runs on one node at a time: lease rescue, partitions ahead of time, retention. */
export interface HousekeepingStore {
  /** True while this process holds the housekeeping role; it takes the role when no live process has it. */
  leadHousekeeping(): Promise<boolean>;
  /**
   * Rescues expired leases, prepares the coming months' partitions, and purges what the plan says is past retention.
   */
  housekeeping(now: number, retention: RetentionPlan): Promise<HousekeepingReport>;
}

/**
 * Portal users (migration 0011): people who sign in to the portal for a participant. An operator issues a
 * one-time link; following it sets the password and spends the link in one statement.
 */
export interface PortalUserStore {
  /**
   * Creates the user with this link, or gives an existing user of the same participant a new one and clears
   * its password (a reset); false when the username belongs to another participant (nothing changes).
   */
  issuePortalLink(link: PortalLink): Promise<boolean>;
  /** The user an unexpired link names, its password now set and the link spent; null when there is none. */
  redeemPortalLink(linkHash: string, passwordHash: string, now: number): Promise<PortalUser | null>;
  portalUser(username: string): Promise<PortalUser | null>;
  /** The user an unexpired, unspent link names. */
  portalUserByLink(linkHash: string, now: number): Promise<PortalUser | null>;
  /** A participant's users (null: everyone's), by username. */
  portalUsers(dipId: string | null): Promise<PortalUser[]>;
  removePortalUser(username: string): Promise<boolean>;
}

export interface Store
  extends
    IngestStore,
    ArchiveReader,
    RegistryStore,
    MpanStore,
    WebhookStore,
    DeliveryStore,
    QueueStore,
    PauseStore,
    PortalUserStore,
    HousekeepingStore,
    ReplayStore,
    AuditStore {
  readonly backend: 'sqlite' | 'postgres';
  /**
   * Calls `listener` when another process makes delivery work due (PostgreSQL LISTEN/NOTIFY); a hint
   * that cuts latency, never the guarantee. Absent where one process owns the store.
   */
  watchDue?(listener: () => void): Promise<() => Promise<void>>;
  /** Migrations of this code the database lacks (0: current); rejects when the store does not answer. */
  migrationsBehind(): Promise<number>;
  close(): Promise<void>;
}
