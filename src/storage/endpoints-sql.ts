/**
 * The operator's endpoint listing, written once for both backends: `param` as in queue-sql.ts, `breakerState`
 * the dialect's expression for the state in `e.breaker` (JSON text). Pages walk the endpoints' primary key;
 * each endpoint's pending count and head copy come from deliveries_due, so a page costs its endpoints and at
 * most ENDPOINT_PENDING_CAP + 1 index entries each, never a table scan of the deliveries.
 */
import type { Breaker } from '../domain/breaker.js';
import type { EndpointCursor, EndpointFilter, EndpointView } from '../domain/endpoint-view.js';
import { optionalNumber, type Row } from './rows.js';

type Param = (v: unknown) => string;

const SAME = 'd.recipient_id = e.recipient_id AND d.channel = e.channel AND d.role = e.role';
const HEAD = (column: string) =>
  `(SELECT d.${column} FROM deliveries d WHERE d.state = 'pending' AND ${SAME} ORDER BY d.next_attempt_at, d.id LIMIT 1)`;

export function endpointListSql(
  f: EndpointFilter,
  after: EndpointCursor | null,
  limit: number,
  cap: number,
  breakerState: string,
  param: Param,
): string {
  const where: string[] = [];
  if (f.recipientId !== null) where.push(`e.recipient_id = ${param(f.recipientId)}`);
  if (f.channel !== null) where.push(`e.channel = ${param(f.channel)}`);
  if (f.role !== null) where.push(`e.role = ${param(f.role)}`);
  if (f.breaker !== null) where.push(`${breakerState} = ${param(f.breaker)}`);
  if (after) where.push(`(e.recipient_id, e.channel, e.role) > (${after.map((v) => param(v)).join(', ')})`);
  return `SELECT e.recipient_id, e.channel, e.role, e.breaker, e.next_due_at, e.lease_owner,
      EXISTS (SELECT 1 FROM webhooks w WHERE w.recipient_id = e.recipient_id AND w.channel = e.channel
        AND w.role IN (e.role, '')) AS webhook,
      (SELECT count(*) FROM (SELECT 1 FROM deliveries d WHERE d.state = 'pending' AND ${SAME} LIMIT ${param(cap + 1)}) x) AS pending,
      ${HEAD('last_status')} AS last_status, ${HEAD('last_error')} AS last_error
    FROM endpoints e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY e.recipient_id, e.channel, e.role LIMIT ${param(limit)}`;
}

/** A row of the listing, as both backends return it. */
export const toEndpointView = (r: Row): EndpointView => ({
  recipientId: String(r.recipient_id),
  channel: String(r.channel),
  role: String(r.role),
  breaker: JSON.parse(r.breaker as string) as Breaker,
  nextDueAt: optionalNumber(r.next_due_at),
  leased: r.lease_owner !== null && r.lease_owner !== undefined,
  webhook: r.webhook === true || Number(r.webhook) === 1,
  pending: Number(r.pending),
  lastStatus: optionalNumber(r.last_status),
  lastError: (r.last_error as string | null) ?? null,
});
