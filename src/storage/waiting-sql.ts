/**
 * The waiting sweep's query, written once for both backends (`param` as in queue-sql.ts): the pending copies
 * of parked endpoints (no webhook; none leased) due at or before the cutoff that the sweep has not walked yet,
 * along endpoints_parked and deliveries_due from each endpoint's mark, so a sweep costs the copies it has not
 * seen, never the backlog.
 */
type Param = (v: unknown) => string;

export function waitingSweepSql(cutoff: number, limit: number, param: Param): string {
  const c = param(cutoff);
  return `SELECT d.id, d.kind, d.item_seq, d.recipient_id, d.channel, d.role, d.next_attempt_at, d.waiting_noticed_at
    FROM endpoints e JOIN deliveries d ON d.recipient_id = e.recipient_id AND d.channel = e.channel AND d.role = e.role
    WHERE e.next_due_at IS NULL AND e.lease_owner IS NULL AND d.state = 'pending' AND d.next_attempt_at <= ${c}
      AND d.next_attempt_at >= coalesce(e.waiting_swept_at, -1)
      AND (d.next_attempt_at > coalesce(e.waiting_swept_at, -1) OR d.id > coalesce(e.waiting_swept_id, -1))
    ORDER BY e.recipient_id, e.channel, e.role, d.next_attempt_at, d.id LIMIT ${param(limit)}`;
}

export interface SweptMark {
  recipient: string;
  channel: string;
  role: string;
  at: number;
  id: number;
}

/** The last copy walked per endpoint, from the sweep's rows in their order. */
export function marksOf(rows: Record<string, unknown>[]): SweptMark[] {
  const marks = new Map<string, SweptMark>();
  for (const r of rows) {
    const m = {
      recipient: String(r.recipient_id),
      channel: String(r.channel),
      role: String(r.role),
      at: Number(r.next_attempt_at),
      id: Number(r.id),
    };
    marks.set(`${m.recipient}\u0000${m.channel}\u0000${m.role}`, m);
  }
  return [...marks.values()];
}
