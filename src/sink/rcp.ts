/** The RCP codes a participant's webhook answers the DIP with (seed §4.6.6), and their texts. */

/** Elexon's DI-999 RCP range, copied with its typos because participants and the DIP match on the text. */
export const RCP_TEXT = {
  RCP0000: 'Message Success',
  RCP1000: 'Message Processing Failed',
  RCP1001: 'Schema Failure',
  RCP1002: 'Interface ID Invalid',
  RCP1003: 'Event Code Invalid, Unexpected or Missing',
  RCP1004: 'Environment Code Invalid, Unexpected or Missing',
  RCP1005: 'Schema Version Invalid or Not Compatable',
  RCP1006: 'Sender Unique Refernce Missing or Duplicated',
  RCP1007: 'Sender Sent Date/Time Invalid or Missing',
  RCP1008: 'Sender Sent Date/Time is in the Future',
  RCP1009: 'Sender DIP ID Invalid, Unexpected or Missing',
  RCP1010: 'Sender Role Invalid, Unexpected or Missing',
  RCP1021: 'Msg Mandatory Data Item Missing',
  RCP1022: 'Msg Contains Invalid Value for Value Restricted Field',
  RCP1023: 'Msg Contains Invalid Valid Value Combination(s)',
  RCP1041: 'Recipient ID Invalid, Unexpected or Missing',
  RCP1042: 'Publication ID Invalid, Unexpected or Missing',
  RCP1043: 'DIP Txn ID Invalid, Unexpected or Missing',
  RCP1044: 'DIP Txn Timestamp Invalid or Missing',
  RCP1045: 'DIP Txn Timestamp is in the Future',
  RCP1046: 'DIP Correlation ID Invalid, Unexpected or Missing',
  RCP1047: 'Replay Indicator Invalid or Unexpected',
  RCP1051: 'R0 Response Code Invalid',
  RCP1052: 'R0 Response Code Inconsistant with Error Condition(s)',
  RCP1061: 'MPAN Invalid or Unknown',
  RCP1062: 'PUB Unexpected given MPAN Process Status/Condition',
  RCP1063: 'Message Data Content Differs from that Issued or Expected',
  RCP1064: 'MDR provided not valid',
  RCP9999: 'Message Signature Invalid',
} as const;

export type RcpCode = keyof typeof RCP_TEXT;

export const isRcpCode = (code: string): code is RcpCode => Object.hasOwn(RCP_TEXT, code);

/** "RCP0000 - Message Success", the "CODE - Text" form of every published example. */
export function rcpText(code: string): string {
  return isRcpCode(code) ? `${code} - ${RCP_TEXT[code]}` : code;
}
