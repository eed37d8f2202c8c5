/**
 * Identifier formats of the DIP: Sender Unique Reference (SUR), Transaction Id and Workflow Correlation Id
 * (seed §4.2.3). Pure functions only.
 */

/**
 * DT-995 as published in 2.2.1 (`\d{3}[A-B]?`), widened to also accept 2.1.0's `\d{3,4}` so a client
 * built against either release is accepted; the channel check below pins the number to the path.
 */
export const SUR_PATTERN = /^S-((IF|REP)-)?(\d{3,4}[A-B]?)-([0-9a-fA-F]{10})-([A-Z]{3,5})-(\d{8})-([a-zA-Z0-9]+)$/;
export const SUR_MAX_LENGTH = 200;

export interface SurParts {
  family: 'IF' | 'REP' | null;
  number: string;
  participant: string;
  role: string;
  date: string;
  reference: string;
}

export function parseSur(sur: string): SurParts | null {
  if (sur.length > SUR_MAX_LENGTH) return null;
  const m = SUR_PATTERN.exec(sur);
  if (!m) return null;
  return {
    family: (m[2] as 'IF' | 'REP' | undefined) ?? null,
    number: m[3]!,
    participant: m[4]!,
    role: m[5]!,
    date: m[6]!,
    reference: m[7]!,
  };
}

/** `IF-021` → `{family: 'IF', number: '021'}`; `REP-002A` → `{family: 'REP', number: '002A'}`. */
export function splitChannelId(channel: string): { family: 'IF' | 'REP'; number: string } {
  const dash = channel.indexOf('-');
  return { family: channel.slice(0, dash) as 'IF' | 'REP', number: channel.slice(dash + 1) };
}

/**
 * What is wrong with a SUR for a message on `channel` from `sender` in `role`, or null when nothing is.
 * The DIP checks interface, participant and role parts; the date and sequence are the sender's business
 * (seed §4.2.3.1).
 */
export function surProblem(sur: string, channel: string, sender: string, role: string): string | null {
  const parts = parseSur(sur);
  const example = `S-${channel}-${sender}-${role}-20240321-1a2b3c`;
  if (!parts) {
    return `senderUniqueReference '${sur}' does not match S-<IF-xxx>-<10 hex DIP id>-<ROLE>-<yyyymmdd>-<alphanumeric reference> (at most 200 characters), e.g. '${example}'`;
  }
  const ch = splitChannelId(channel);
  if (parts.number !== ch.number || (parts.family !== null && parts.family !== ch.family)) {
    return `senderUniqueReference interface part '${parts.family ? `${parts.family}-` : ''}${parts.number}' does not match the channel ${channel}; use e.g. '${example}'`;
  }
  if (parts.participant.toLowerCase() !== sender.toLowerCase()) {
    return `senderUniqueReference participant part '${parts.participant}' does not match senderDIPID '${sender}'`;
  }
  if (parts.role !== role) {
    return `senderUniqueReference role part '${parts.role}' does not match senderRoleID '${role}'`;
  }
  return null;
}

/** Width of the hex sequence in transaction ids: fixed, so ids of one sender sort by sequence. */
export const TXN_SEQUENCE_HEX_DIGITS = 16;

/** `T-<IF-xxx>-<senderDIPID>-<ROLE>-<yyyymmdd>-<hex sequence>` (seed §4.2.3.2, DT-014 at most 65 chars). */
export function transactionId(
  channel: string,
  sender: string,
  role: string,
  yyyymmdd: string,
  sequence: number,
): string {
  return `T-${channel}-${sender}-${role}-${yyyymmdd}-${sequence.toString(16).toUpperCase().padStart(TXN_SEQUENCE_HEX_DIGITS, '0')}`;
}

/** `CI-<yyyymmdd>-<hex>` (seed §4.2.3.3). */
export function correlationId(yyyymmdd: string, hex: string): string {
  return `CI-${yyyymmdd}-${hex}`;
}

/**
 * A correlation id a sender may carry: the DIP's own form `CI-<yyyymmdd>-<hex>`, and the form with a
 * business-process segment seen in the journal examples (`CI-BP09-20220401-…`). DT-011N allows 1..60.
 */
export const CORRELATION_PATTERN = /^CI-(?:[A-Za-z0-9]{1,10}-)?\d{8}-[0-9A-Za-z]+$/;

export function correlationProblem(value: string): string | null {
  if (value.length <= 60 && CORRELATION_PATTERN.test(value)) return null;
  return `senderCorrelationID '${value}' is not a DIP workflow correlation id: copy the id the DIP issued (CI-<yyyymmdd>-<hex>, at most 60 characters) or send null`;
}

/** The sequence at the tail of a DIP transaction id, or null when the id is not one the DIP issued. */
export function sequenceOfTransactionId(id: string): number | null {
  const m = /^T-(?:IF|REP)-\d{3}[A-B]?-[^-]{10}-[A-Z]{3,5}-\d{8}-([0-9A-F]{16})$/.exec(id);
  if (!m) return null;
  const n = Number.parseInt(m[1]!, 16);
  return Number.isSafeInteger(n) ? n : null;
}

/** The prefix that marks a replay's own ids (seed §4.9: "with a reply prefix"). */
export const REPLAY_PREFIX = 'RPL';

/** A replayed copy's own transaction id: `T-RPL-<nnn>-<recipient>-<ROLE>-<yyyymmdd>-<16 hex>`. */
export function replayTransactionId(
  channel: string,
  recipient: string,
  role: string,
  yyyymmdd: string,
  sequence: number,
): string {
  const { number } = splitChannelId(channel);
  return `T-${REPLAY_PREFIX}-${number}-${recipient}-${role || 'STS'}-${yyyymmdd}-${sequence.toString(16).toUpperCase().padStart(TXN_SEQUENCE_HEX_DIGITS, '0')}`;
}

/** The correlation id shared by the copies of one replay or requeue: `CI-RPL-<yyyymmdd>-<hex>`. */
export function replayCorrelationId(yyyymmdd: string, hex: string): string {
  return `CI-${REPLAY_PREFIX}-${yyyymmdd}-${hex}`;
}
