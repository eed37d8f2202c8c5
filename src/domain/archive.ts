/** The archive's vocabulary: a message as archived, whom it was addressed to, and its journal. No behaviour. */

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
