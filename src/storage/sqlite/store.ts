/**
 * The embedded store: one SQLite file in WAL mode, owned by one process. better-sqlite3 is synchronous;
 * the async contract is met by resolving immediately, and every batch is one short write transaction.
 */
import Database from 'better-sqlite3';
import type { DcpGrant, Participant, Role, CertificateRecord, RegistryData } from '../../domain/model.js';
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
import { deliveryParts } from './delivery.js';
import { replayParts } from './replay.js';

function migrate(db: Database.Database, migrations: Migration[]): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)),
  );
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        Date.now(),
      );
    }).immediate();
  }
}

/** Named placeholders (@p1, @p2, …) for SQL built clause by clause; a placeholder may appear more than once. */
function namedParams(): { param: (v: unknown) => string; values: Record<string, unknown> } {
  const values: Record<string, unknown> = {};
  let n = 0;
  return {
    values,
    param: (v) => {
      values[`p${++n}`] = v;
      return `@p${n}`;
    },
  };
}

export interface SqliteOptions {
  /** File path, or ':memory:' for tests. */
  path: string;
  migrations: Migration[];
}

export function openSqliteStore({ path, migrations }: SqliteOptions): Store {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the DIP acknowledges it, even across a power cut.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  migrate(db, migrations);

  const insertMessage = db.prepare(
    `INSERT INTO messages (seq, transaction_id, channel, event_code, schema_version, sur, sender_id, sender_role, dcp_id,
       caller_id, correlation_id, sender_correlation_id, mpan, received_at, request_id, payload, recipients)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sur) DO NOTHING`,
  );
  const insertJournal = db.prepare(
    `INSERT INTO journal (at, stage, status, status_code, message_seq, transaction_id, sur, channel, event_code, sender_id,
       mpan, correlation_id, recipient, role, message, reason, duration_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertCall = db.prepare(
    `INSERT INTO api_calls (at, request_id, caller_id, method, path, channel, status, messages, accepted, duration_ms, remote, outcome)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // A call's evidence rides with its record. The same request recorded twice has the same evidence.
  const insertEvidence = db.prepare(
    `INSERT INTO call_evidence (${EVIDENCE_COLUMNS.join(', ')}) VALUES (${EVIDENCE_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (request_id) DO NOTHING`,
  );
  const evidenceByRequest = db.prepare('SELECT * FROM call_evidence WHERE request_id = ?');
  const reserve = db.prepare(
    `UPDATE sequences SET next_value = next_value + ? WHERE name = 'transaction' RETURNING next_value - ? AS first`,
  );
  const surExists = db.prepare('SELECT 1 FROM messages WHERE sur = ?').pluck();

  const writeJournal = (e: JournalEntry): void => {
    insertJournal.run(
      e.at,
      e.stage,
      e.status,
      e.statusCode,
      e.messageSeq,
      e.transactionId,
      e.senderUniqueReference,
      e.channel,
      e.eventCode,
      e.senderId,
      e.mpan,
      e.correlationId,
      e.recipient,
      e.role,
      e.message,
      e.reason,
      e.durationMs,
    );
  };
  const writeCall = (c: ApiCall): void => {
    insertCall.run(
      c.at,
      c.requestId,
      c.callerId,
      c.method,
      c.path,
      c.channel,
      c.status,
      c.messages,
      c.accepted,
      c.durationMs,
      c.remote,
      c.outcome,
    );
    if (c.evidence) insertEvidence.run(...evidenceValues(c.requestId, c.evidence));
  };

  const delivery = deliveryParts(db, toMessage, (e) => writeJournal(e));

  const accept = db.transaction((batch: AcceptedBatch): Set<string> => {
    const duplicates = new Set<string>();
    const dropped = new Set<number>();
    for (const m of batch.messages) {
      const source = batch.derivedFrom?.get(m.seq);
      if (source !== undefined && dropped.has(source)) {
        dropped.add(m.seq);
        continue;
      }
      const info = insertMessage.run(
        m.seq,
        m.transactionId,
        m.channel,
        m.eventCode,
        m.schemaVersion,
        m.senderUniqueReference,
        m.senderId,
        m.senderRole,
        m.dcpId,
        m.callerId,
        m.correlationId,
        m.senderCorrelationId,
        m.mpan,
        m.receivedAt,
        m.requestId,
        m.payload,
        m.recipients ? JSON.stringify(m.recipients) : null,
      );
      if (info.changes === 0) {
        duplicates.add(m.senderUniqueReference);
        dropped.add(m.seq);
      }
    }
    const kept = keptOfBatch(batch, dropped, duplicates.size);
    for (const e of kept.journal) writeJournal(e);
    delivery.writeRouting(kept.deliveries, kept.statusMessages, kept.registryChanges, batch.call.at);
    writeCall(kept.call);
    return duplicates;
  });

  /**
   * The first key of `table` whose time is at or after `cutoff`: sequence numbers and journal ids grow
   * with time, so a binary search over the primary key finds it without an index on time.
   */
  const firstKeyFrom = (
    table: 'messages' | 'journal',
    key: 'seq' | 'id',
    timeColumn: 'received_at' | 'at',
    cutoff: number,
  ): number => {
    let lo = Number(db.prepare(`SELECT coalesce(min(${key}), 0) FROM ${table}`).pluck().get());
    let hi = Number(db.prepare(`SELECT coalesce(max(${key}), -1) FROM ${table}`).pluck().get()) + 1;
    const at = db.prepare(
      `SELECT ${key} AS k, ${timeColumn} AS t FROM ${table} WHERE ${key} >= ? ORDER BY ${key} LIMIT 1`,
    );
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const r = at.get(mid) as { k: number; t: number } | undefined;
      if (r === undefined || r.t >= cutoff) hi = mid;
      else lo = Number(r.k) + 1;
    }
    return lo;
  };
  const purge = db.transaction((cutoff: number): number => {
    const seq = firstKeyFrom('messages', 'seq', 'received_at', cutoff);
    const journalId = firstKeyFrom('journal', 'id', 'at', cutoff);
    db.prepare(
      `DELETE FROM deliveries WHERE kind = 'status' AND item_seq IN (SELECT id FROM status_messages WHERE message_seq < ?)`,
    ).run(seq);
    db.prepare('DELETE FROM status_messages WHERE message_seq < ?').run(seq);
    db.prepare(`DELETE FROM deliveries WHERE kind = 'message' AND item_seq < ?`).run(seq);
    db.prepare('DELETE FROM journal WHERE id < ?').run(journalId);
    return db.prepare('DELETE FROM messages WHERE seq < ?').run(seq).changes;
  });
  /** A channel kept for less than the longest retention: its own messages older than `cutoff`, with what refers to them. */
  const purgeChannel = db.transaction((channel: string, cutoff: number): number => {
    const old = 'SELECT seq FROM messages WHERE channel = @channel AND received_at < @cutoff';
    const args = { channel, cutoff };
    db.prepare(
      `DELETE FROM deliveries WHERE kind = 'status' AND item_seq IN (SELECT id FROM status_messages WHERE message_seq IN (${old}))`,
    ).run(args);
    db.prepare(`DELETE FROM status_messages WHERE message_seq IN (${old})`).run(args);
    db.prepare(`DELETE FROM deliveries WHERE kind = 'message' AND item_seq IN (${old})`).run(args);
    db.prepare(`DELETE FROM journal WHERE message_seq IN (${old})`).run(args);
    return db.prepare('DELETE FROM messages WHERE channel = @channel AND received_at < @cutoff').run(args).changes;
  });

  const loadRegistry = (): RegistryData => {
    const roles = new Map<string, Role[]>();
    for (const r of db.prepare('SELECT dip_id, role FROM participant_roles ORDER BY dip_id, role').all() as Row[]) {
      const list = roles.get(r.dip_id as string) ?? [];
      list.push(r.role as Role);
      roles.set(r.dip_id as string, list);
    }
    return {
      participants: (db.prepare('SELECT dip_id, name FROM participants ORDER BY dip_id').all() as Row[]).map((r) => ({
        dipId: r.dip_id as string,
        name: r.name as string,
        roles: roles.get(r.dip_id as string) ?? [],
      })),
      dcpGrants: (db.prepare('SELECT dcp_id, participant_id, role FROM dcp_grants').all() as Row[]).map((r) => ({
        dcpId: r.dcp_id as string,
        participantId: r.participant_id as string,
        role: r.role as Role,
      })),
      certificates: (db.prepare('SELECT fingerprint, dip_id, subject, not_after FROM certificates').all() as Row[]).map(
        (r) => ({
          fingerprint: r.fingerprint as string,
          dipId: r.dip_id as string,
          subject: r.subject as string,
          notAfter: Number(r.not_after),
        }),
      ),
      apiKeys: (db.prepare('SELECT key_hash, dip_id FROM api_keys').all() as Row[]).map((r) => ({
        keyHash: r.key_hash as string,
        dipId: r.dip_id as string,
      })),
    };
  };

  const saveParticipant = db.transaction((p: Participant) => {
    db.prepare(
      'INSERT INTO participants (dip_id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (dip_id) DO UPDATE SET name = excluded.name',
    ).run(p.dipId, p.name, Date.now());
    db.prepare('DELETE FROM participant_roles WHERE dip_id = ?').run(p.dipId);
    const add = db.prepare('INSERT INTO participant_roles (dip_id, role) VALUES (?, ?)');
    for (const role of new Set(p.roles)) add.run(p.dipId, role);
  });

  return {
    ...delivery,
    ...replayParts(db),
    backend: 'sqlite',
    async reserveSequence(count) {
      return Number((reserve.get(count, count) as Row).first);
    },
    async existingReferences(surs) {
      const found = new Set<string>();
      for (const s of surs) if (surExists.get(s) !== undefined) found.add(s);
      return found;
    },
    async acceptBatch(batch) {
      return { duplicates: accept.immediate(batch) };
    },
    async recordCall(call, journal = []) {
      db.transaction(() => {
        for (const e of journal) writeJournal(e);
        writeCall(call);
      }).immediate();
    },
    async recordCalls(calls) {
      db.transaction(() => {
        for (const c of calls) writeCall(c);
      }).immediate();
    },
    async messageBySeq(seq) {
      const r = db.prepare('SELECT * FROM messages WHERE seq = ?').get(seq) as Row | undefined;
      return r ? toMessage(r) : null;
    },
    async messageByReference(sur) {
      const r = db.prepare('SELECT * FROM messages WHERE sur = ?').get(sur) as Row | undefined;
      return r ? toMessage(r) : null;
    },
    async countMessages(channel) {
      const r =
        channel === undefined
          ? db.prepare('SELECT count(*) AS n FROM messages').get()
          : db.prepare('SELECT count(*) AS n FROM messages WHERE channel = ?').get(channel);
      return Number((r as Row).n);
    },
    async journalOf(seq) {
      return (db.prepare('SELECT * FROM journal WHERE message_seq = ? ORDER BY id').all(seq) as Row[]).map(toJournal);
    },
    async journalOfReference(sur) {
      const m = db.prepare('SELECT seq FROM messages WHERE sur = ?').pluck().get(sur) as number | undefined;
      const rows =
        m === undefined
          ? db.prepare('SELECT * FROM journal WHERE sur = ? AND message_seq IS NULL ORDER BY id').all(sur)
          : db.prepare('SELECT * FROM journal WHERE message_seq = ? ORDER BY id').all(m);
      return (rows as Row[]).map(toJournal);
    },
    async recentCalls(limit) {
      return (db.prepare(`${CALLS_WITH_EVIDENCE} ORDER BY c.id DESC LIMIT ?`).all(limit) as Row[]).map(toCall);
    },
    async loadRegistry() {
      return loadRegistry();
    },
    async saveParticipant(p) {
      saveParticipant.immediate(p);
    },
    async grantDcp(g: DcpGrant) {
      db.prepare(
        'INSERT INTO dcp_grants (participant_id, role, dcp_id) VALUES (?, ?, ?) ON CONFLICT (participant_id, role) DO UPDATE SET dcp_id = excluded.dcp_id',
      ).run(g.participantId, g.role, g.dcpId);
    },
    async revokeDcp(participantId, role) {
      db.prepare('DELETE FROM dcp_grants WHERE participant_id = ? AND role = ?').run(participantId, role);
    },
    async addCertificate(c: CertificateRecord) {
      db.prepare(
        'INSERT INTO certificates (fingerprint, dip_id, subject, not_after, pem, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET dip_id = excluded.dip_id',
      ).run(c.fingerprint, c.dipId, c.subject, c.notAfter, c.pem, Date.now());
    },
    async addApiKey(keyHash, dipId, label) {
      db.prepare(
        'INSERT INTO api_keys (key_hash, dip_id, label, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key_hash) DO UPDATE SET dip_id = excluded.dip_id',
      ).run(keyHash, dipId, label, Date.now());
    },
    async isEmpty() {
      return db.prepare('SELECT count(*) FROM participants').pluck().get() === 0;
    },
    async searchMessages(criteria, scope, after, limit) {
      const { param, values } = namedParams();
      const sql = auditSearchSql(criteria, scope, after, limit, param);
      return (db.prepare(sql).all(values) as Row[]).map((r) => toMessage({ ...r, payload: Buffer.alloc(0) }));
    },
    async searchCalls(criteria, visibleTo, before, limit) {
      const { param, values } = namedParams();
      const sql = callSearchSql(criteria, visibleTo, before, limit, param);
      return (db.prepare(sql).all(values) as Row[]).map((r) => ({ ...toCall(r), id: Number(r.id) }));
    },
    async evidenceOf(requestIds) {
      const found = new Map<string, CallEvidence>();
      for (const id of new Set(requestIds)) {
        const r = evidenceByRequest.get(id) as Row | undefined;
        const e = r && toEvidence(r);
        if (e) found.set(id, e);
      }
      return found;
    },
    async leadHousekeeping() {
      return true; // the data directory's lock makes this process the only one
    },
    async housekeeping(now, plan) {
      const rescued = db
        .prepare(
          'UPDATE endpoints SET lease_owner = NULL, lease_until = NULL WHERE lease_until IS NOT NULL AND lease_until < ?',
        )
        .run(now).changes;
      let purged = purge.immediate(now - plan.longestMs);
      for (const c of plan.shorter) purged += purgeChannel.immediate(c.channel, now - c.ms);
      return { leasesRescued: rescued, partitionsCreated: 0, partitionsDropped: 0, messagesPurged: purged };
    },
    async close() {
      db.close();
    },
  };
}
