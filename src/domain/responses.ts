/**
 * The DIP's response codes (Elexon's DI-999 catalogue, MSG range) and the StandardResponse shapes.
 * Texts are copied from the published catalogue, typos included, because participants match on them.
 */
export const MSG_TEXT = {
  MSG0000: 'Success',
  MSG1000: 'Message Processing Failed',
  MSG1001: 'Schema Failure',
  MSG1002: 'Interface ID Invalid',
  MSG1006: 'Sender Unique Reference Duplicated',
  MSG1007: 'Sender Timestamp Invalid',
  MSG1009: 'Sender DIP ID Invalid',
  MSG1010: 'Sender Role Invalid',
  MSG1011: 'Connection Provider ID Invalid',
  MSG1012: 'Sender Correlation ID Invalid',
  MSG1013: 'Invalid Certificate Issuer Name',
  MSG1014: 'Certificate has Expired',
  MSG1030: 'Msg Addressing / Routing Error',
  MSG1031: 'Primary Recipient(s) DIP Participant ID Invalid',
  MSG1032: 'Primary Recipient(s) DIP Role ID Invalid',
  MSG1033: 'Secondary Recipient(s) DIP Participant ID Invalid',
  MSG1034: 'Secondary Recipient(s) DIP Role ID Invalid',
  MSG1035: 'Always Recipient(s) DIP Participant ID Invalid',
  MSG1036: 'Always Recipient(s) DIP Role ID Invalid',
  MSG1037: 'Cannot Resolve Secondary Recipient(s) for Missing MPAN',
  MSG1038: 'Cannot Resolve Secondary Recipient(s) for MPAN/Party/Event Combination',
  MSG1039: 'Invalid MPAN',
  MSG5001: 'Internal server error',
  MSG5002: 'No data contained in request body',
  MSG5003: 'Unable to determine correlationId requirement. Server configuration error or sender request error',
  MSG5004: 'Internal server error. Payload not processed',
} as const;

export type MsgCode = keyof typeof MSG_TEXT;

/** "MSG1001 - Schema Failure": the form used by every example in the published API. */
export function msgText(code: MsgCode): string {
  return `${code} - ${MSG_TEXT[code]}`;
}

/** StandardResponseBodyType: all ten keys are required on the wire, null where not applicable. */
export interface StandardResponseItem {
  transactionID: string | null;
  senderUniqueReference: string | null;
  correlationID: string | null;
  sentTimestamp: string;
  senderID: string;
  recipientID: string | null;
  DIPConnectionProviderID: string | null;
  message: string | null;
  help: string | null;
  serviceTicketURL: string | null;
}

export interface StandardResponse {
  messageArray: StandardResponseItem[];
  timestamp: string;
}

/** 201 when every message was accepted, 207 when some were, 400 when none. */
export function batchStatus(accepted: number, total: number): 201 | 207 | 400 {
  if (total > 0 && accepted === total) return 201;
  return accepted > 0 ? 207 : 400;
}

/** DT-019N-HelpText is at most 500 characters; longer explanations are cut with an ellipsis. */
export function clampHelp(help: string): string {
  return help.length <= 500 ? help : `${help.slice(0, 497)}...`;
}
