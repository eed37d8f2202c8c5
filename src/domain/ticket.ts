/**
 * The audit URL of a transaction, sent as serviceTicketURL in D0 and in every response item (seed §4.2.7):
 * where the audit record of the message is read.
 */
export type TicketUrl = (transactionId: string) => string | null;

/** The audit URLs under `base` (`…/{version}/audit/messages/`); none when the DIP has no address to give. */
export const ticketUrls =
  (base: string | null): TicketUrl =>
  (transactionId) =>
    base === null ? null : `${base}${encodeURIComponent(transactionId)}`;

/** Where a DIP serving `origin` answers audit records of API version `apiVersion`. */
export const ticketBase = (origin: string, apiVersion: string): string => `${origin}/${apiVersion}/audit/messages/`;
