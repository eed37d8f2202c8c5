/**
 * The storage contract. Use cases depend on these narrow role interfaces only; each backend implements
 * all of them and passes the one contract test suite (test/storage/contract.ts).
 */
import type { DcpGrant, Participant, Role } from '../domain/model.js';

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
  message: string | null;
  reason: string | null;
  durationMs: number;
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
}

export interface AcceptedBatch {
  messages: ArchivedMessage[];
  /** Entries for messages of this request, accepted or rejected; entries of a message found to be a duplicate at commit are dropped with it. */
  journal: JournalEntry[];
  call: ApiCall;
}

export interface IngestStore {
  /** Reserves `count` consecutive sequence numbers and returns the first. Numbers are never reused; gaps are allowed. */
  reserveSequence(count: number): Promise<number>;
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

export interface Store extends IngestStore, ArchiveReader, RegistryStore {
  readonly backend: 'sqlite' | 'postgres';
  close(): Promise<void>;
}
