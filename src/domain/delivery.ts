/**
 * The delivery vocabulary: webhooks, the copies waiting for them, endpoints and what one attempt changed.
 * No behaviour; the policies (retry, breaker, batching, lease) are their own modules.
 */
import type { JournalEntry, NewStatusMessage } from './archive.js';
import type { Breaker } from './breaker.js';
import type { StandardResponseItem } from './responses.js';

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
  /** The circuit breaker's state. */
  breaker: Breaker;
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
  breaker: Breaker;
  /** Not due again before this (an open breaker); otherwise when its earliest pending copy is due. */
  notBefore: number | null;
}
