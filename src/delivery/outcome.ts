/**
 * What a webhook's answer does to each delivery of the call: delivered; else its new state and next
 * attempt, the journal entries saying what went wrong, and the status messages that tell the sender.
 */
import {
  bareSubject,
  journalEntry,
  subjectOf,
  type ArchivedMessage,
  type JournalEntry,
  type NewStatusMessage,
} from '../domain/archive.js';
import { STATUS_CHANNEL, type DeliveryUpdate, type PendingDelivery } from '../domain/delivery.js';
import type { StandardResponseItem } from '../domain/responses.js';
import { nextAttempt, parseRetryAfter, type RetryPolicy } from '../domain/retry.js';
import type { TicketUrl } from '../domain/ticket.js';
import { deadLetterNotice, relayedRejection, withTicket } from '../status/items.js';
import type { BatchItem } from './batch.js';
import type { Classification, Verdict } from './classify.js';

/** Failed attempts journaled per copy; the copy's own row counts every attempt. */
const JOURNALED_FAILURES = 5;

export interface OutcomeDeps {
  retry: RetryPolicy;
  random: () => number;
  dipId: string;
  /** The audit URL of a transaction, for the status messages' serviceTicketURL. */
  ticketUrl: TicketUrl | undefined;
}

/** Everything the attempt changed for its deliveries, to be recorded together. */
export interface Settlement {
  delivered: number[];
  updates: DeliveryUpdate[];
  entries: JournalEntry[];
  notices: NewStatusMessage[];
}

type Failure = Exclude<Verdict, { outcome: 'delivered' }>;

/** The journal entry of one delivery's attempt; `m` is null for a status item. */
function entry(
  d: PendingDelivery,
  m: ArchivedMessage | null,
  at: number,
  status: string,
  statusCode: number,
  message: string | null,
  reason: string | null,
): JournalEntry {
  return journalEntry(at, m ? subjectOf(m) : bareSubject(STATUS_CHANNEL, d.statusItem?.transactionID ?? null), {
    stage: d.kind === 'status' ? 'StatusMessage' : 'Outbound',
    status,
    statusCode,
    message,
    reason,
    recipient: d.recipientId,
    role: d.role,
  });
}

/** What a failed verdict does to one copy: its new state, and what the journal and the sender are told. */
function applyFailure(
  deps: OutcomeDeps,
  d: PendingDelivery,
  m: ArchivedMessage | null,
  v: Failure,
  c: Pick<Classification, 'status' | 'retryAfter'>,
  now: number,
): { update: DeliveryUpdate; entries: JournalEntry[]; notices: NewStatusMessage[] } {
  const base = { id: d.id, attempts: d.attempts + 1, lastStatus: c.status, firstFailureAt: d.firstFailureAt };
  const journal = (state: string, message: string | null, reason: string | null): JournalEntry[] => [
    entry(d, m, now, state, c.status ?? 0, message, reason),
  ];
  const notify = (item: (original: ArchivedMessage) => StandardResponseItem): NewStatusMessage[] =>
    m
      ? [{ recipientId: m.senderId, role: m.senderRole, messageSeq: m.seq, item: withTicket(item(m), deps.ticketUrl) }]
      : [];
  if (v.outcome === 'rejected') {
    return {
      update: { ...base, state: 'rejected', nextAttemptAt: now, lastError: v.message },
      entries: journal('RejectedByRecipient', v.message, v.help),
      notices: notify((original) => relayedRejection(original, d.recipientId, v.message, v.help, now)),
    };
  }
  if (v.outcome === 'held') {
    const update: DeliveryUpdate = { ...base, state: 'held', nextAttemptAt: now, lastError: v.reason };
    return { update, entries: journal('Paused', null, v.reason), notices: [] };
  }
  const first = d.firstFailureAt ?? now;
  const next = nextAttempt(deps.retry, d.attempts + 1, first, now, parseRetryAfter(c.retryAfter, now), deps.random);
  if ('deadLetter' in next) {
    return {
      update: { ...base, firstFailureAt: first, state: 'dead', nextAttemptAt: now, lastError: v.reason },
      entries: journal('RetriesExhausted', null, v.reason),
      notices: notify((original) => deadLetterNotice(original, deps.dipId, d.recipientId, d.role, v.reason, now)),
    };
  }
  return {
    update: { ...base, firstFailureAt: first, state: 'pending', nextAttemptAt: next.at, lastError: v.reason },
    entries: d.attempts < JOURNALED_FAILURES ? journal('Retrying', null, v.reason) : [],
    notices: [],
  };
}

/** The classification applied to every delivery of the batch, in order. */
export function settle(deps: OutcomeDeps, batch: BatchItem[], c: Classification, at: number): Settlement {
  const settled: Settlement = { delivered: [], updates: [], entries: [], notices: [] };
  batch.forEach((b, i) => {
    const v = c.verdicts[i]!;
    if (v.outcome === 'delivered') {
      settled.delivered.push(b.d.id);
      if (v.note) settled.entries.push(entry(b.d, b.message, at, 'UnknownDeliveryStatus', c.status ?? 0, null, v.note));
      return;
    }
    const r = applyFailure(deps, b.d, b.message, v, c, at);
    settled.updates.push(r.update);
    settled.entries.push(...r.entries);
    // A status message about a status message would never end.
    if (b.d.kind === 'message') settled.notices.push(...r.notices);
  });
  return settled;
}
