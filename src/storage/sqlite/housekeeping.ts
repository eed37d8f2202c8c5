/**
 * Housekeeping on SQLite: expired leases rescued, and what is past retention purged with what refers to
 * it. One process owns the file, so it always leads.
 */
import type { HousekeepingReport, RetentionPlan } from '../../domain/retention.js';
import { immediate, statement, type Sqlite } from './context.js';

const rescue = statement(
  'UPDATE endpoints SET lease_owner = NULL, lease_until = NULL WHERE lease_until IS NOT NULL AND lease_until < ?',
);

export async function leadHousekeeping(_c: Sqlite): Promise<boolean> {
  return true; // the data directory's lock makes this process the only one
}

export async function housekeeping(c: Sqlite, now: number, plan: RetentionPlan): Promise<HousekeepingReport> {
  const rescued = rescue(c).run(now).changes;
  let purged = immediate(c, () => purge(c, now - plan.longestMs));
  for (const s of plan.shorter) purged += immediate(c, () => purgeChannel(c, s.channel, now - s.ms));
  return { leasesRescued: rescued, partitionsCreated: 0, partitionsDropped: 0, messagesPurged: purged };
}

/** Everything older than `cutoff`; how many messages went. */
function purge(c: Sqlite, cutoff: number): number {
  const seq = firstKeyFrom(c, 'messages', 'seq', 'received_at', cutoff);
  const journalId = firstKeyFrom(c, 'journal', 'id', 'at', cutoff);
  const run = (sql: string, key: number) => c.db.prepare(sql).run(key).changes;
  run(
    `DELETE FROM deliveries WHERE kind = 'status' AND item_seq IN (SELECT id FROM status_messages WHERE message_seq < ?)`,
    seq,
  );
  run('DELETE FROM status_messages WHERE message_seq < ?', seq);
  run(`DELETE FROM deliveries WHERE kind = 'message' AND item_seq < ?`, seq);
  run('DELETE FROM journal WHERE id < ?', journalId);
  return run('DELETE FROM messages WHERE seq < ?', seq);
}

/**
 * A channel kept for less than the longest retention: its own messages older than `cutoff`, with what refers to them.
 */
function purgeChannel(c: Sqlite, channel: string, cutoff: number): number {
  const old = 'SELECT seq FROM messages WHERE channel = @channel AND received_at < @cutoff';
  const run = (sql: string) => c.db.prepare(sql).run({ channel, cutoff }).changes;
  run(
    `DELETE FROM deliveries WHERE kind = 'status' AND item_seq IN (SELECT id FROM status_messages WHERE message_seq IN (${old}))`,
  );
  run(`DELETE FROM status_messages WHERE message_seq IN (${old})`);
  run(`DELETE FROM deliveries WHERE kind = 'message' AND item_seq IN (${old})`);
  run(`DELETE FROM journal WHERE message_seq IN (${old})`);
  return run('DELETE FROM messages WHERE channel = @channel AND received_at < @cutoff');
}

/**
 * The first key of `table` whose time is at or after `cutoff`: sequence numbers and journal ids grow
 * with time, so a binary search over the primary key finds it without an index on time.
 */
function firstKeyFrom(
  c: Sqlite,
  table: 'messages' | 'journal',
  key: 'seq' | 'id',
  timeColumn: 'received_at' | 'at',
  cutoff: number,
): number {
  let lo = Number(c.db.prepare(`SELECT coalesce(min(${key}), 0) FROM ${table}`).pluck().get());
  let hi = Number(c.db.prepare(`SELECT coalesce(max(${key}), -1) FROM ${table}`).pluck().get()) + 1;
  const at = c.db.prepare(
    `SELECT ${key} AS k, ${timeColumn} AS t FROM ${table} WHERE ${key} >= ? ORDER BY ${key} LIMIT 1`,
  );
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const r = at.get(mid) as { k: number; t: number } | undefined;
    if (r === undefined || r.t >= cutoff) hi = mid;
    else lo = Number(r.k) + 1;
  }
  return lo;
}
