/**
 * Housekeeping on PostgreSQL, run by one process at a time: expired leases rescued, the coming months'
 * partitions made ahead of time, and what is past retention dropped by whole month partitions.
 */
import type { HousekeepingReport, RetentionPlan } from '../../domain/retention.js';
import type { Row } from '../rows.js';
import { createClient, transaction, type Postgres, type Queryable } from './pool.js';
import { dayBase } from './sequence.js';

/** Months of partitions kept ready ahead of the current one. */
const MONTHS_AHEAD = 2;
const HOUSEKEEPING_LOCK = 0x0d1b_0002;

export async function leadHousekeeping(c: Postgres): Promise<boolean> {
  if (c.leader) return true;
  // A session-level advisory lock on a connection of our own: released by the server when this
  // process dies or loses its connection, so another node takes over.
  const client = createClient(c.url);
  client.on('error', () => undefined);
  try {
    await client.connect();
    // Keyed by schema too: DIPs sharing one database in schemas of their own each elect their own leader.
    const got = (
      await client.query('SELECT pg_try_advisory_lock($1, hashtext(current_schema())) AS got', [HOUSEKEEPING_LOCK])
    ).rows[0] as { got: boolean };
    if (!got.got) {
      await client.end();
      return false;
    }
  } catch {
    await client.end().catch(() => undefined);
    return false;
  }
  const lost = (): void => {
    if (c.leader === client) c.leader = null;
  };
  client.on('end', lost);
  client.on('error', lost);
  c.leader = client;
  return true;
}

export async function housekeeping(c: Postgres, now: number, plan: RetentionPlan): Promise<HousekeepingReport> {
  const rescued = await c.pool.query(
    'UPDATE endpoints SET lease_owner = NULL, lease_until = NULL WHERE lease_until IS NOT NULL AND lease_until < $1',
    [now],
  );
  const created = (await c.pool.query('SELECT opendip_ensure_partitions($1, $2) AS n', [now, MONTHS_AHEAD]))
    .rows[0] as { n: number };
  // Whole months only: a partition goes when its last day is past retention.
  const cutoffMs = now - plan.longestMs;
  const months = await dropMonths(c, cutoffMs);
  let purged = months.purged;
  purged += await purgeOutsideMonths(c, cutoffMs);
  for (const s of plan.shorter) purged += await purgeChannel(c, s.channel, now - s.ms);
  return {
    leasesRescued: rescued.rowCount ?? 0,
    partitionsCreated: created.n,
    partitionsDropped: months.dropped,
    messagesPurged: purged,
  };
}

/**
 * The month partitions whose last day is before `cutoffMs`. Dropping a partition locks the whole table, so
 * it is the last, short step: what refers to the month's messages goes first, each delete committing on its
 * own, and a busy table is tried again next round.
 */
async function dropMonths(c: Postgres, cutoffMs: number): Promise<{ dropped: number; purged: number }> {
  const cutoffSeq = dayBase(cutoffMs);
  let dropped = 0;
  let purged = 0;
  for (const p of (await monthPartitions(c.pool, 'messages')).sort((a, b) => a.end - b.end)) {
    if (p.end > cutoffSeq) continue;
    const count = Number(((await c.pool.query(`SELECT count(*) AS n FROM ${p.name}`)).rows[0] as Row).n);
    await forget(c.pool, p.end);
    await dropPartition(c, p.name);
    purged += count;
    dropped++;
  }
  for (const p of await monthPartitions(c.pool, 'journal')) {
    if (p.end > cutoffMs) continue;
    await dropPartition(c, p.name);
    dropped++;
  }
  return { dropped, purged };
}

const dropPartition = (c: Postgres, name: string): Promise<void> =>
  transaction(c.pool, async (t) => {
    await t.query(`SET LOCAL lock_timeout = '10s'`);
    await t.query(`DROP TABLE ${name}`);
  });

/** Rows that fell outside every month partition (none, while housekeeping keeps months ready) go one by one. */
async function purgeOutsideMonths(c: Postgres, cutoffMs: number): Promise<number> {
  const cutoffSeq = dayBase(cutoffMs);
  return transaction(c.pool, async (t) => {
    const purged = (await t.query('DELETE FROM messages_default WHERE seq < $1', [cutoffSeq])).rowCount ?? 0;
    await t.query('DELETE FROM journal_default WHERE at < $1', [cutoffMs]);
    await forget(t, cutoffSeq);
    return purged;
  });
}

/** A channel kept for less: its own rows, one by one (the archive's channel and time index finds them). */
async function purgeChannel(c: Postgres, channel: string, cutoff: number): Promise<number> {
  return transaction(c.pool, async (t) => {
    const old = 'SELECT seq FROM messages WHERE channel = $1 AND received_at < $2';
    const args = [channel, cutoff];
    await t.query(
      `DELETE FROM deliveries WHERE kind = 'status' AND item_seq IN (SELECT id FROM status_messages WHERE message_seq IN (${old}))`,
      args,
    );
    await t.query(`DELETE FROM status_messages WHERE message_seq IN (${old})`, args);
    await t.query(`DELETE FROM deliveries WHERE kind = 'message' AND item_seq IN (${old})`, args);
    await t.query(`DELETE FROM message_refs WHERE seq IN (${old})`, args);
    await t.query(`DELETE FROM journal WHERE message_seq IN (${old})`, args);
    return (await t.query('DELETE FROM messages WHERE channel = $1 AND received_at < $2', args)).rowCount ?? 0;
  });
}

/** Everything of the messages below `seq` outside the archive itself: SURs, copies, status messages. */
async function forget(t: Queryable, seq: number): Promise<void> {
  await t.query('DELETE FROM message_refs WHERE seq < $1', [seq]);
  await t.query(
    `DELETE FROM deliveries WHERE kind = 'status' AND item_seq IN (SELECT id FROM status_messages WHERE message_seq < $1)`,
    [seq],
  );
  await t.query('DELETE FROM status_messages WHERE message_seq < $1', [seq]);
  await t.query(`DELETE FROM deliveries WHERE kind = 'message' AND item_seq < $1`, [seq]);
}

/** Month partitions of a table, with the upper bound of their key (seq for messages, ms for the journal). */
async function monthPartitions(t: Queryable, table: 'messages' | 'journal'): Promise<{ name: string; end: number }[]> {
  const rows = (
    await t.query<{ name: string }>(
      `SELECT child.relname AS name FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid JOIN pg_class parent ON parent.oid = i.inhparent
     WHERE parent.oid = to_regclass($1)`,
      [table],
    )
  ).rows;
  return rows.flatMap(({ name }) => {
    const m = /_y(\d{4})m(\d{2})$/.exec(name);
    if (!m) return [];
    const endMs = Date.UTC(Number(m[1]), Number(m[2]), 1); // the first day of the following month
    return [{ name, end: table === 'messages' ? dayBase(endMs) : endMs }];
  });
}
