/**
 * The copies an operator's release takes, written once for both backends (`param` as in queue-sql.ts).
 * Only copies in a releasable state on an endpoint no delivery runner holds: the join to `endpoints` is
 * what a PostgreSQL release locks, so a runner cannot claim the endpoint until the release commits.
 */
import type { CopySelector } from '../domain/queue.js';
import { RELEASABLE_STATES } from '../domain/release.js';
import { filterSql } from './queue-sql.js';

type Param = (v: unknown) => string;

export function releaseSelectSql(s: CopySelector, limit: number, param: Param): string {
  const where =
    'ids' in s
      ? [
          `d.id IN (${s.ids.length === 0 ? '-1' : s.ids.map((id) => param(id)).join(', ')})`,
          `d.state IN (${RELEASABLE_STATES.map((v) => param(v)).join(', ')})`,
        ]
      : filterSql(s.filter, param);
  // Any holder, its lease expired or not: until the lease is rescued its holder may still record an attempt.
  where.push('e.lease_owner IS NULL');
  return `SELECT d.id, d.kind, d.item_seq, d.recipient_id, d.channel, d.role FROM deliveries d
    JOIN endpoints e ON e.recipient_id = d.recipient_id AND e.channel = d.channel AND e.role = d.role
    WHERE ${where.join(' AND ')} ORDER BY d.recipient_id, d.channel, d.role, d.next_attempt_at, d.id LIMIT ${param(limit)}`;
}
