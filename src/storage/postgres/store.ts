/**
 * The scale-out store: PostgreSQL, shared by any number of `opendip serve` processes. Every batch is one
 * transaction; SUR uniqueness holds across processes through message_refs' primary key; the archive and
 * the journal are partitioned by month (migrations/postgres/0001_initial.sql).
 */
import type pg from 'pg';
import type { DcpGrant, Participant, Role, CertificateRecord, RegistryData } from '../../domain/model.js';
import type { RetentionPlan, HousekeepingReport } from '../../domain/retention.js';
import type { Migration } from '../migrate.js';
import type { CallEvidence } from '../../domain/evidence.js';
import type { AcceptedBatch, ApiCall, JournalEntry } from '../../domain/archive.js';
import type { Store } from '../ports.js';
import {
  CALLS_WITH_EVIDENCE,
  EVIDENCE_COLUMNS,
  evidenceValues,
  keptOfBatch,
  toCall,
  toEvidence,
  toJournal,
  toMessage,
  type Row,
} from '../rows.js';
import { auditSearchSql, callSearchSql } from '../audit-sql.js';
import { DUE_CHANNEL, pgDeliveryParts } from './delivery.js';
import { createClient, createPool, migrate, transaction, type Queryable } from './pool.js';
import { pgReplayParts } from './replay.js';
import { dayBase } from './sequence.js';

/** Rows per INSERT statement: keeps each statement's parameters well under V8's longest string. */
const CHUNK = 2_000;
/** Months of partitions kept ready ahead of the current one. */
const MONTHS_AHEAD = 2;
const HOUSEKEEPING_LOCK = 0x0d1b_0002;

const chunks = <T>(list: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
};

async function insertJournal(c: Queryable, entries: JournalEntry[]): Promise<void> {
  for (const e of chunks(entries)) {
    await c.query(
      `INSERT INTO journal (at, stage, status, status_code, message_seq, transaction_id, sur, channel, event_code, sender_id, mpan, correlation_id,
         recipient, role, message, reason, duration_ms)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
         $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::int[])`,
      [
        e.map((x) => x.at),
        e.map((x) => x.stage),
        e.map((x) => x.status),
        e.map((x) => x.statusCode),
        e.map((x) => x.messageSeq),
        e.map((x) => x.transactionId),
        e.map((x) => x.senderUniqueReference),
        e.map((x) => x.channel),
        e.map((x) => x.eventCode),
        e.map((x) => x.senderId),
        e.map((x) => x.mpan),
        e.map((x) => x.correlationId),
        e.map((x) => x.recipient),
        e.map((x) => x.role),
        e.map((x) => x.message),
        e.map((x) => x.reason),
        e.map((x) => Math.round(x.durationMs)),
      ],
    );
  }
}

async function insertCalls(c: Queryable, calls: ApiCall[]): Promise<void> {
  for (const k of chunks(calls)) {
    await c.query(
      `INSERT INTO api_calls (at, request_id, caller_id, method, path, channel, status, messages, accepted, duration_ms, remote, outcome)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::int[], $10::int[], $11::text[], $12::text[])`,
      [
        k.map((x) => x.at),
        k.map((x) => x.requestId),
        k.map((x) => x.callerId),
        k.map((x) => x.method),
        k.map((x) => x.path),
        k.map((x) => x.channel),
        k.map((x) => x.status),
        k.map((x) => x.messages),
        k.map((x) => x.accepted),
        k.map((x) => Math.round(x.durationMs)),
        k.map((x) => x.remote),
        k.map((x) => x.outcome),
      ],
    );
  }
  // A call's evidence rides with its record, in the same transaction. The same request recorded twice has the same evidence.
  const rows = calls.flatMap((x) => (x.evidence ? [evidenceValues(x.requestId, x.evidence)] : []));
  for (const k of chunks(rows)) {
    await c.query(
      `INSERT INTO call_evidence (${EVIDENCE_COLUMNS.join(', ')}) SELECT * FROM unnest(${EVIDENCE_COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(', ')})
       ON CONFLICT (request_id) DO NOTHING`,
      EVIDENCE_COLUMNS.map((_, i) => k.map((row) => row[i])),
    );
  }
}

/** Month partitions of a table, with the upper bound of their key (seq for messages, ms for the journal). */
async function monthPartitions(c: Queryable, table: 'messages' | 'journal'): Promise<{ name: string; end: number }[]> {
  const rows = (
    await c.query<{ name: string }>(
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

export interface PostgresOptions {
  url: string;
  migrations: Migration[];
  /** Connections in this process's pool. */
  poolSize?: number;
}

export async function openPostgresStore({ url, migrations, poolSize }: PostgresOptions): Promise<Store> {
  const pool = createPool(url, poolSize);
  // An idle connection that the server closes is replaced on next use; the error must not kill the process.
  pool.on('error', () => undefined);
  try {
    await migrate(pool, migrations);
  } catch (e) {
    await pool.end();
    throw e;
  }
  const q = (sql: string, params: unknown[] = []) => pool.query(sql, params);
  const delivery = pgDeliveryParts(pool, insertJournal);
  let leader: pg.Client | null = null;

  const accept = async (c: pg.PoolClient, batch: AcceptedBatch): Promise<Set<string>> => {
    // Sorted, so that two requests racing for the same SURs take their locks in one order and never deadlock.
    const bySur = [...batch.messages].sort((a, b) =>
      a.senderUniqueReference < b.senderUniqueReference
        ? -1
        : a.senderUniqueReference > b.senderUniqueReference
          ? 1
          : 0,
    );
    const claimed = new Set<string>();
    for (const k of chunks(bySur)) {
      const r = await c.query<{ sur: string }>(
        'INSERT INTO message_refs (sur, seq) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (sur) DO NOTHING RETURNING sur',
        [k.map((m) => m.senderUniqueReference), k.map((m) => m.seq)],
      );
      for (const row of r.rows) claimed.add(row.sur);
    }
    const duplicates = new Set<string>();
    const dropped = new Set<number>();
    for (const m of batch.messages) {
      if (claimed.has(m.senderUniqueReference)) continue;
      duplicates.add(m.senderUniqueReference);
      dropped.add(m.seq);
    }
    const kept = keptOfBatch(batch, dropped, duplicates.size);
    // What was made from a message that lost its SUR goes with it, SUR references included.
    const orphans = batch.messages
      .filter((m) => dropped.has(m.seq) && !duplicates.has(m.senderUniqueReference))
      .map((m) => m.senderUniqueReference);
    if (orphans.length > 0) await c.query('DELETE FROM message_refs WHERE sur = ANY($1::text[])', [orphans]);
    for (const k of chunks(kept.messages)) {
      await c.query(
        `INSERT INTO messages (seq, transaction_id, channel, event_code, schema_version, sur, sender_id, sender_role, dcp_id, caller_id, correlation_id,
           sender_correlation_id, mpan, received_at, request_id, payload, recipients)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
           $11::text[], $12::text[], $13::text[], $14::bigint[], $15::text[], $16::bytea[], $17::text[])`,
        [
          k.map((m) => m.seq),
          k.map((m) => m.transactionId),
          k.map((m) => m.channel),
          k.map((m) => m.eventCode),
          k.map((m) => m.schemaVersion),
          k.map((m) => m.senderUniqueReference),
          k.map((m) => m.senderId),
          k.map((m) => m.senderRole),
          k.map((m) => m.dcpId),
          k.map((m) => m.callerId),
          k.map((m) => m.correlationId),
          k.map((m) => m.senderCorrelationId),
          k.map((m) => m.mpan),
          k.map((m) => m.receivedAt),
          k.map((m) => m.requestId),
          k.map((m) => m.payload),
          k.map((m) => (m.recipients ? JSON.stringify(m.recipients) : null)),
        ],
      );
    }
    await insertJournal(c, kept.journal);
    await delivery.writeRouting(c, kept.deliveries, kept.statusMessages, kept.registryChanges, batch.call.at);
    await insertCalls(c, [kept.call]);
    return duplicates;
  };

  const housekeeping = async (now: number, plan: RetentionPlan): Promise<HousekeepingReport> => {
    const retentionMs = plan.longestMs;
    const rescued = await q(
      'UPDATE endpoints SET lease_owner = NULL, lease_until = NULL WHERE lease_until IS NOT NULL AND lease_until < $1',
      [now],
    );
    const created = (await q('SELECT opendip_ensure_partitions($1, $2) AS n', [now, MONTHS_AHEAD])).rows[0] as {
      n: number;
    };
    // Whole months only: a partition goes when its last day is past retention.
    const cutoffMs = now - retentionMs;
    const cutoffSeq = dayBase(cutoffMs);
    let dropped = 0;
    let purged = 0;
    /** Everything of the messages below `seq` outside the archive itself: SURs, copies, status messages. */
    const forget = async (c: Queryable, seq: number): Promise<void> => {
      await c.query('DELETE FROM message_refs WHERE seq < $1', [seq]);
      await c.query(
        `DELETE FROM deliveries WHERE kind = 'status' AND item_seq IN (SELECT id FROM status_messages WHERE message_seq < $1)`,
        [seq],
      );
      await c.query('DELETE FROM status_messages WHERE message_seq < $1', [seq]);
      await c.query(`DELETE FROM deliveries WHERE kind = 'message' AND item_seq < $1`, [seq]);
    };
    // Dropping a partition locks the whole table, so it is the last, short step: what refers to the
    // month's messages goes first, each delete committing on its own, and a busy table is tried again next round.
    const drop = (name: string) =>
      transaction(pool, async (c) => {
        await c.query(`SET LOCAL lock_timeout = '10s'`);
        await c.query(`DROP TABLE ${name}`);
      });
    for (const p of (await monthPartitions(pool, 'messages')).sort((a, b) => a.end - b.end)) {
      if (p.end > cutoffSeq) continue;
      const count = Number(((await q(`SELECT count(*) AS n FROM ${p.name}`)).rows[0] as Row).n);
      await forget(pool, p.end);
      await drop(p.name);
      purged += count;
      dropped++;
    }
    for (const p of await monthPartitions(pool, 'journal')) {
      if (p.end > cutoffMs) continue;
      await drop(p.name);
      dropped++;
    }
    // Rows that fell outside every month partition (none, while housekeeping keeps months ready) go one by one.
    await transaction(pool, async (c) => {
      purged += (await c.query('DELETE FROM messages_default WHERE seq < $1', [cutoffSeq])).rowCount ?? 0;
      await c.query('DELETE FROM journal_default WHERE at < $1', [cutoffMs]);
      await forget(c, cutoffSeq);
    });
    // Channels kept for less: their own rows, one by one (the archive's channel and time index finds them).
    for (const c of plan.shorter) {
      await transaction(pool, async (t) => {
        const old = 'SELECT seq FROM messages WHERE channel = $1 AND received_at < $2';
        const args = [c.channel, now - c.ms];
        await t.query(
          `DELETE FROM deliveries WHERE kind = 'status' AND item_seq IN (SELECT id FROM status_messages WHERE message_seq IN (${old}))`,
          args,
        );
        await t.query(`DELETE FROM status_messages WHERE message_seq IN (${old})`, args);
        await t.query(`DELETE FROM deliveries WHERE kind = 'message' AND item_seq IN (${old})`, args);
        await t.query(`DELETE FROM message_refs WHERE seq IN (${old})`, args);
        await t.query(`DELETE FROM journal WHERE message_seq IN (${old})`, args);
        purged += (await t.query('DELETE FROM messages WHERE channel = $1 AND received_at < $2', args)).rowCount ?? 0;
      });
    }
    return {
      leasesRescued: rescued.rowCount ?? 0,
      partitionsCreated: created.n,
      partitionsDropped: dropped,
      messagesPurged: purged,
    };
  };

  const loadRegistry = async (): Promise<RegistryData> => {
    const roles = new Map<string, Role[]>();
    for (const r of (await q('SELECT dip_id, role FROM participant_roles ORDER BY dip_id, role')).rows as Row[]) {
      const list = roles.get(r.dip_id as string) ?? [];
      list.push(r.role as Role);
      roles.set(r.dip_id as string, list);
    }
    const [participants, grants, certificates, keys] = await Promise.all([
      q('SELECT dip_id, name FROM participants ORDER BY dip_id'),
      q('SELECT dcp_id, participant_id, role FROM dcp_grants'),
      q('SELECT fingerprint, dip_id, subject, not_after FROM certificates'),
      q('SELECT key_hash, dip_id FROM api_keys'),
    ]);
    return {
      participants: (participants.rows as Row[]).map((r) => ({
        dipId: r.dip_id as string,
        name: r.name as string,
        roles: roles.get(r.dip_id as string) ?? [],
      })),
      dcpGrants: (grants.rows as Row[]).map((r) => ({
        dcpId: r.dcp_id as string,
        participantId: r.participant_id as string,
        role: r.role as Role,
      })),
      certificates: (certificates.rows as Row[]).map((r) => ({
        fingerprint: r.fingerprint as string,
        dipId: r.dip_id as string,
        subject: r.subject as string,
        notAfter: Number(r.not_after),
      })),
      apiKeys: (keys.rows as Row[]).map((r) => ({ keyHash: r.key_hash as string, dipId: r.dip_id as string })),
    };
  };

  return {
    ...delivery,
    ...pgReplayParts(pool),
    backend: 'postgres',
    async reserveSequence(count, at = Date.now()) {
      const r = await q(
        `UPDATE sequences SET next_value = GREATEST(next_value, $2::bigint) + $1::bigint WHERE name = 'transaction' RETURNING next_value - $1::bigint AS first`,
        [count, dayBase(at)],
      );
      return Number((r.rows[0] as Row).first);
    },
    async existingReferences(surs) {
      const r = await q('SELECT sur FROM message_refs WHERE sur = ANY($1::text[])', [surs]);
      return new Set((r.rows as Row[]).map((x) => x.sur as string));
    },
    async acceptBatch(batch) {
      return { duplicates: await transaction(pool, (c) => accept(c, batch)) };
    },
    async recordCall(call, journal = []) {
      await transaction(pool, async (c) => {
        await insertJournal(c, journal);
        await insertCalls(c, [call]);
      });
    },
    async recordCalls(calls) {
      await transaction(pool, (c) => insertCalls(c, calls));
    },
    async messageBySeq(seq) {
      const r = (await q('SELECT * FROM messages WHERE seq = $1', [seq])).rows[0] as Row | undefined;
      return r ? toMessage(r) : null;
    },
    async messageByReference(sur) {
      const r = (await q('SELECT m.* FROM message_refs f JOIN messages m ON m.seq = f.seq WHERE f.sur = $1', [sur]))
        .rows[0] as Row | undefined;
      return r ? toMessage(r) : null;
    },
    async countMessages(channel) {
      const r =
        channel === undefined
          ? await q('SELECT count(*) AS n FROM messages')
          : await q('SELECT count(*) AS n FROM messages WHERE channel = $1', [channel]);
      return Number((r.rows[0] as Row).n);
    },
    async journalOf(seq) {
      return ((await q('SELECT * FROM journal WHERE message_seq = $1 ORDER BY id', [seq])).rows as Row[]).map(
        toJournal,
      );
    },
    async journalOfReference(sur) {
      const ref = (await q('SELECT seq FROM message_refs WHERE sur = $1', [sur])).rows[0] as Row | undefined;
      const rows =
        ref === undefined
          ? await q('SELECT * FROM journal WHERE sur = $1 AND message_seq IS NULL ORDER BY id', [sur])
          : await q('SELECT * FROM journal WHERE message_seq = $1 ORDER BY id', [ref.seq]);
      return (rows.rows as Row[]).map(toJournal);
    },
    async recentCalls(limit) {
      return ((await q(`${CALLS_WITH_EVIDENCE} ORDER BY c.id DESC LIMIT $1`, [limit])).rows as Row[]).map(toCall);
    },
    loadRegistry,
    async saveParticipant(p: Participant) {
      await transaction(pool, async (c) => {
        await c.query(
          'INSERT INTO participants (dip_id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (dip_id) DO UPDATE SET name = excluded.name',
          [p.dipId, p.name, Date.now()],
        );
        await c.query('DELETE FROM participant_roles WHERE dip_id = $1', [p.dipId]);
        await c.query('INSERT INTO participant_roles (dip_id, role) SELECT $1, r FROM unnest($2::text[]) AS r', [
          p.dipId,
          [...new Set(p.roles)],
        ]);
      });
    },
    async grantDcp(g: DcpGrant) {
      await q(
        'INSERT INTO dcp_grants (participant_id, role, dcp_id) VALUES ($1, $2, $3) ON CONFLICT (participant_id, role) DO UPDATE SET dcp_id = excluded.dcp_id',
        [g.participantId, g.role, g.dcpId],
      );
    },
    async revokeDcp(participantId, role) {
      await q('DELETE FROM dcp_grants WHERE participant_id = $1 AND role = $2', [participantId, role]);
    },
    async addCertificate(c: CertificateRecord) {
      await q(
        `INSERT INTO certificates (fingerprint, dip_id, subject, not_after, pem, created_at) VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (fingerprint) DO UPDATE SET dip_id = excluded.dip_id`,
        [c.fingerprint, c.dipId, c.subject, c.notAfter, c.pem, Date.now()],
      );
    },
    async addApiKey(keyHash, dipId, label) {
      await q(
        'INSERT INTO api_keys (key_hash, dip_id, label, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key_hash) DO UPDATE SET dip_id = excluded.dip_id',
        [keyHash, dipId, label, Date.now()],
      );
    },
    async isEmpty() {
      return Number(((await q('SELECT count(*) AS n FROM participants')).rows[0] as Row).n) === 0;
    },
    async searchMessages(criteria, scope, after, limit) {
      const params: unknown[] = [];
      const sql = auditSearchSql(criteria, scope, after, limit, (v) => `$${params.push(v)}`);
      return ((await q(sql, params)).rows as Row[]).map((r) => toMessage({ ...r, payload: Buffer.alloc(0) }));
    },
    async searchCalls(criteria, visibleTo, before, limit) {
      const params: unknown[] = [];
      const sql = callSearchSql(criteria, visibleTo, before, limit, (v) => `$${params.push(v)}`);
      return ((await q(sql, params)).rows as Row[]).map((r) => ({ ...toCall(r), id: Number(r.id) }));
    },
    async evidenceOf(requestIds) {
      const r = await q('SELECT * FROM call_evidence WHERE request_id = ANY($1::text[])', [[...new Set(requestIds)]]);
      const found = new Map<string, CallEvidence>();
      for (const row of r.rows as Row[]) {
        const e = toEvidence(row);
        if (e) found.set(row.request_id as string, e);
      }
      return found;
    },
    async leadHousekeeping() {
      if (leader) return true;
      // A session-level advisory lock on a connection of our own: released by the server when this
      // process dies or loses its connection, so another node takes over.
      const client = createClient(url);
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
      client.on('end', () => {
        if (leader === client) leader = null;
      });
      client.on('error', () => {
        if (leader === client) leader = null;
      });
      leader = client;
      return true;
    },
    housekeeping,
    async watchDue(listener) {
      let client: pg.Client | null = null;
      let closed = false;
      let retry: NodeJS.Timeout | null = null;
      const connect = async (): Promise<void> => {
        const c = createClient(url);
        const again = (): void => {
          if (closed || client !== c) return;
          client = null;
          retry = setTimeout(() => void connect(), 1_000);
        };
        c.on('error', again);
        c.on('end', again);
        c.on('notification', () => listener());
        client = c;
        try {
          await c.connect();
          await c.query(`LISTEN ${DUE_CHANNEL}`);
          listener(); // anything made due while not listening
        } catch {
          await c.end().catch(() => undefined);
          again();
        }
      };
      await connect();
      return async () => {
        closed = true;
        if (retry) clearTimeout(retry);
        await client?.end().catch(() => undefined);
      };
    },
    async close() {
      await leader?.end().catch(() => undefined);
      leader = null;
      await pool.end();
    },
  };
}
