/**
 * The WHERE clauses of an audit search, written once for both backends: `param` adds a value and returns
 * its placeholder in the backend's dialect. Messages are `m`; copies are looked up in `deliveries`; calls
 * are `c`, each with its evidence (if any) beside it.
 */
import { sequenceOfTransactionId } from '../domain/ids.js';
import type { AuditScope } from '../domain/entitlement.js';
import type { AuditCriteria, Direction, ReceivedTotal, RejectionTotal, SendTotal } from '../domain/archive.js';
import { STATUS_CHANNEL } from '../domain/delivery.js';
import { CALLS_WITH_EVIDENCE, type Row } from './rows.js';

const COLUMNS = `m.seq, m.transaction_id, m.channel, m.event_code, m.schema_version, m.sur, m.sender_id, m.sender_role, m.dcp_id, m.caller_id,
  m.correlation_id, m.sender_correlation_id, m.mpan, m.received_at, m.request_id, m.recipients`;

/**
 * What a scope may see, as SQL over `m`: what its caller sent itself, and what was sent by, or addressed
 * to, a participant in a role the caller acts in; with a direction, only the one side.
 */
function visibleSql(scope: AuditScope, direction: Direction | null, param: (v: unknown) => string): string {
  const inRoles = (column: string, roles: readonly string[]): string =>
    `${column} IN (${roles.length === 0 ? "''" : roles.map((r) => param(r)).join(', ')})`;
  // Built only when used: a parameter left out of the SQL has no type PostgreSQL could infer.
  const sentSql = (): string =>
    [
      `m.caller_id = ${param(scope.callerId)}`,
      ...scope.entitlements.map(
        (e) => `(m.sender_id = ${param(e.participantId)} AND ${inRoles('m.sender_role', e.roles)})`,
      ),
    ].join(' OR ');
  const receivedSql = (): string => {
    const received = scope.entitlements.map(
      (e) => `(d.recipient_id = ${param(e.participantId)} AND ${inRoles('d.role', e.roles)})`,
    );
    return `EXISTS (SELECT 1 FROM deliveries d WHERE d.kind = 'message' AND d.item_seq = m.seq AND (${received.join(' OR ') || 'false'}))`;
  };
  if (direction === 'sent') return `(${sentSql()})`;
  if (direction === 'received') return receivedSql();
  return `(${sentSql()}
    OR ${receivedSql()})`;
}

export function auditSearchSql(
  c: AuditCriteria,
  scope: AuditScope | null,
  after: number | null,
  limit: number,
  param: (v: unknown) => string,
): string {
  const where: string[] = [];
  const eq = (column: string, v: string | null | undefined): void => {
    if (v !== null && v !== undefined) where.push(`${column} = ${param(v)}`);
  };
  eq('m.channel', c.channel);
  if (c.transactionId) {
    // The transaction id names its sequence number: the primary key answers.
    where.push(`m.seq = ${param(sequenceOfTransactionId(c.transactionId) ?? -1)}`);
    eq('m.transaction_id', c.transactionId);
  }
  eq('m.sur', c.senderUniqueReference);
  eq('m.correlation_id', c.correlationId);
  eq('m.mpan', c.mpan);
  eq('m.sender_id', c.sender);
  if (c.from !== null && c.from !== undefined) where.push(`m.received_at >= ${param(c.from)}`);
  if (c.to !== null && c.to !== undefined) where.push(`m.received_at <= ${param(c.to)}`);
  const addressed = (who: string): string =>
    `EXISTS (SELECT 1 FROM deliveries d WHERE d.kind = 'message' AND d.item_seq = m.seq AND d.recipient_id = ${who})`;
  if (c.receiver) where.push(addressed(param(c.receiver)));
  if (scope !== null) where.push(visibleSql(scope, c.direction ?? null, param));
  if (after !== null) where.push(`m.seq > ${param(after)}`);
  return `SELECT ${COLUMNS} FROM messages m${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY m.seq LIMIT ${param(limit)}`;
}

export function callSearchSql(
  c: { from?: number | null; to?: number | null; channel?: string | null; callerId?: string | null },
  visibleTo: string[] | null,
  before: number | null,
  limit: number,
  param: (v: unknown) => string,
): string {
  const where: string[] = [];
  if (c.from !== null && c.from !== undefined) where.push(`c.at >= ${param(c.from)}`);
  if (c.to !== null && c.to !== undefined) where.push(`c.at <= ${param(c.to)}`);
  if (c.channel) where.push(`c.channel = ${param(c.channel)}`);
  if (c.callerId) where.push(`c.caller_id = ${param(c.callerId)}`);
  if (visibleTo !== null)
    where.push(`c.caller_id IN (${visibleTo.length === 0 ? "''" : visibleTo.map((v) => param(v)).join(', ')})`);
  if (before !== null) where.push(`c.id < ${param(before)}`);
  return `${CALLS_WITH_EVIDENCE}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY c.id DESC LIMIT ${param(limit)}`;
}

const HOUR_MS = 3_600_000;

/**
 * Sends (POSTs to /{version}/dip-channel/{IF-xxx}, not its pubconfig, replay or requeue) since a time, by channel, hour and HTTP status, of one caller or all: a
 * day's traffic is some thousands of calls, read by the index on call time.
 */
export function sendTotalsSql(since: number, callerId: string | null, param: (v: unknown) => string): string {
  return `SELECT channel, at / ${HOUR_MS} AS hour, status, COUNT(*) AS calls, SUM(messages) AS messages, SUM(accepted) AS accepted
    FROM api_calls WHERE at >= ${param(since)} AND method = 'POST'
      AND path LIKE '%/dip-channel/%' AND path NOT LIKE '%/dip-channel/%/%'${
        callerId === null ? '' : ` AND caller_id = ${param(callerId)}`
      }
    GROUP BY channel, at / ${HOUR_MS}, status ORDER BY hour, channel, status`;
}

export const toSendTotal = (r: Row): SendTotal => ({
  channel: (r.channel as string | null) ?? null,
  hourStart: Number(r.hour) * HOUR_MS,
  status: Number(r.status),
  calls: Number(r.calls),
  messages: Number(r.messages),
  accepted: Number(r.accepted),
});

/**
 * A participant's copies of each channel's messages since a time, by channel: the channels are its
 * endpoints', the first message of the day on a channel is found by the index on channel and time, and
 * the copies from it on by the index on recipient, channel and message; each count stops after `cap`.
 */
export function receivedTotalsSql(
  recipientId: string,
  since: number,
  cap: number,
  param: (v: unknown) => string,
): string {
  return `SELECT e.channel, (SELECT count(*) FROM (SELECT 1 FROM deliveries d
        WHERE d.recipient_id = e.recipient_id AND d.channel = e.channel AND d.requeue_id IS NULL
          AND d.item_seq >= (SELECT m.seq FROM messages m WHERE m.channel = e.channel AND m.received_at >= ${param(since)}
            ORDER BY m.received_at LIMIT 1)
        LIMIT ${param(cap + 1)}) x) AS copies
    FROM (SELECT DISTINCT recipient_id, channel FROM endpoints
      WHERE recipient_id = ${param(recipientId)} AND channel <> ${param(STATUS_CHANNEL)}) e
    ORDER BY e.channel`;
}

export const toReceivedTotal =
  (cap: number) =>
  (r: Row): ReceivedTotal => ({
    channel: r.channel as string,
    copies: Math.min(Number(r.copies), cap),
    atLeast: Number(r.copies) > cap,
  });

/** A caller's sends since a time that refused messages: read by the index on call time, like sendTotalsSql. */
export function rejectionsSql(since: number, callerId: string, param: (v: unknown) => string): string {
  return `SELECT channel, rejections FROM api_calls
    WHERE at >= ${param(since)} AND caller_id = ${param(callerId)} AND rejections IS NOT NULL`;
}

/** The rows of rejectionsSql summed by channel and code, most refused first. */
export function toRejectionTotals(rows: Row[]): RejectionTotal[] {
  const totals = new Map<string, RejectionTotal>();
  for (const r of rows) {
    const channel = (r.channel as string | null) ?? null;
    for (const [code, n] of Object.entries(JSON.parse(r.rejections as string) as Record<string, number>)) {
      const key = `${channel}|${code}`;
      const t = totals.get(key) ?? { channel, code, messages: 0 };
      t.messages += n;
      totals.set(key, t);
    }
  }
  return [...totals.values()].sort(
    (a, b) =>
      b.messages - a.messages || String(a.channel).localeCompare(String(b.channel)) || a.code.localeCompare(b.code),
  );
}
