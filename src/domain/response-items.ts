/** The send API's answer: one StandardResponse item per message, or one for a request refused whole. */
import { clampHelp, msgText, type MsgCode, type StandardResponse, type StandardResponseItem } from './responses.js';
import { formatDateTime } from './time.js';
import type { TicketUrl } from './ticket.js';

/** The outcome of one message, as the response reports it. */
export interface Outcome {
  code: MsgCode | null;
  help: string | null;
  transactionId: string | null;
  sur: string | null;
  senderId: string | null;
  dcpId: string | null;
  recipientId: string | null;
  correlationId: string | null;
}

export function responseItem(
  o: Outcome,
  fallbackSender: string,
  sentTimestamp: string,
  ticketUrl: TicketUrl = () => null,
): StandardResponseItem {
  const accepted = o.code === null;
  return {
    transactionID: accepted ? o.transactionId : null,
    senderUniqueReference: o.sur,
    correlationID: o.correlationId,
    sentTimestamp,
    senderID: o.senderId ?? fallbackSender,
    recipientID: o.recipientId,
    DIPConnectionProviderID: o.dcpId,
    message: msgText(o.code ?? 'MSG0000'),
    help: accepted ? null : o.help === null ? null : clampHelp(o.help),
    serviceTicketURL: accepted && o.transactionId ? ticketUrl(o.transactionId) : null,
  };
}

/** A request refused as a whole (authentication, size, an unreadable body): one item saying why. */
export function requestFailure(senderId: string, code: MsgCode, help: string, now: number): StandardResponse {
  const ts = formatDateTime(now);
  return {
    messageArray: [
      responseItem(
        {
          code,
          help,
          transactionId: null,
          sur: null,
          senderId,
          dcpId: null,
          recipientId: null,
          correlationId: null,
        },
        senderId,
        ts,
      ),
    ],
    timestamp: ts,
  };
}
