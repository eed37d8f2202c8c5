/** What a replay or requeue asks for, where a page ends, and a requeue's progress. No behaviour. */

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
  /**
   * When set, every copy the requeue makes gets a journal entry `Requeued` with this reason, in the requeue's
   * transaction (an operator's requeue on a participant's behalf: "requeued by operator X for Y").
   */
  journalReason?: string | null;
}

export interface RequeueProgress extends Requeue {
  total: number;
  pending: number;
  delivered: number;
  /** Copies rejected, held or dead-lettered. */
  failed: number;
}
