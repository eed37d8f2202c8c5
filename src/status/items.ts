/**
 * Status messages (seed §4.7, §4.8, §5.1.3-§5.1.9): StandardResponseBodyType items the DIP sends to a
 * sender's status webhook about one of its messages. Pure builders.
 */
import { clampHelp, msgText, type MsgCode, type StandardResponseItem } from '../domain/responses.js';
import { formatDateTime } from '../domain/time.js';
import type { ArchivedMessage } from '../domain/archive.js';
import type { TicketUrl } from '../domain/ticket.js';

/** What the item says about which message, and who says it. */
function about(m: ArchivedMessage, from: string, now: number): Omit<StandardResponseItem, 'message' | 'help'> {
  return {
    transactionID: m.transactionId,
    senderUniqueReference: m.senderUniqueReference,
    correlationID: m.correlationId,
    sentTimestamp: formatDateTime(now),
    senderID: from,
    recipientID: m.senderId,
    DIPConnectionProviderID: m.dcpId,
    serviceTicketURL: null,
  };
}

/** A recipient's Level 3 rejection (its webhook's 207/400 answer), relayed to the sender as the recipient said it. */
export function relayedRejection(
  m: ArchivedMessage,
  recipientId: string,
  message: string,
  help: string | null,
  now: number,
): StandardResponseItem {
  return {
    ...about(m, recipientId, now),
    message: message.slice(0, 200),
    help: help === null ? null : clampHelp(help),
  };
}

/** The DIP gave up: the message sat in the dead-letter queue (seed §5.1.9). */
export function deadLetterNotice(
  m: ArchivedMessage,
  dipId: string,
  recipientId: string,
  role: string | null,
  reason: string,
  now: number,
): StandardResponseItem {
  return notDelivered(
    m,
    dipId,
    recipientId,
    role,
    ` within the retry period, so moved to the dead-letter queue; last failure: ${reason}`,
    now,
  );
}

/** MSG1000 to the sender: its message has not reached `recipientId`, and why (`why` follows the recipient). */
function notDelivered(
  m: ArchivedMessage,
  dipId: string,
  recipientId: string,
  role: string | null,
  why: string,
  now: number,
): StandardResponseItem {
  return {
    ...about(m, dipId, now),
    message: msgText('MSG1000'),
    help: clampHelp(`not delivered to ${recipientId}${role ? ` (${role})` : ''}${why}`),
  };
}

/** The DIP could not address the message (a Level 2 routing failure), told to its sender. */
export function routingFailure(
  m: ArchivedMessage,
  dipId: string,
  code: MsgCode,
  help: string,
  now: number,
): StandardResponseItem {
  return { ...about(m, dipId, now), message: msgText(code), help: clampHelp(help) };
}

/** The item with the audit URL of the transaction it is about. */
export function withTicket(item: StandardResponseItem, ticketUrl: TicketUrl | undefined): StandardResponseItem {
  return { ...item, serviceTicketURL: item.transactionID ? (ticketUrl?.(item.transactionID) ?? null) : null };
}

/** An operator gave up on the message's copy to a recipient (POST /admin/deliveries/release), as a dead letter. */
export function releasedNotice(
  m: ArchivedMessage,
  dipId: string,
  recipientId: string,
  role: string | null,
  operatorId: string,
  now: number,
): StandardResponseItem {
  return notDelivered(
    m,
    dipId,
    recipientId,
    role,
    `: the DIP's operator ${operatorId} gave up on it, so it was moved to the dead-letter queue`,
    now,
  );
}

/** The message's copy has waited longer than the notice setting for a webhook the recipient has not configured. */
export function waitingNotice(
  m: ArchivedMessage,
  dipId: string,
  recipientId: string,
  role: string | null,
  minutes: number,
  now: number,
): StandardResponseItem {
  return notDelivered(
    m,
    dipId,
    recipientId,
    role,
    ` for more than ${minutes} minutes: it has no webhook configured for ${m.channel}; the DIP keeps the message and delivers it once one is`,
    now,
  );
}
