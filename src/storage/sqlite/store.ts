/**
 * The embedded store: one SQLite file in WAL mode, owned by one process. better-sqlite3 is synchronous;
 * the async contract is met by resolving immediately, and every batch is one short write transaction.
 */
import Database from 'better-sqlite3';
import type { DcpGrant, Participant, Role } from '../../domain/model.js';
import { batchStatus, msgText } from '../../domain/responses.js';
import type { Migration } from '../migrate.js';
import type {
  AcceptedBatch, ApiCall, ArchivedMessage, CertificateRecord, JournalEntry, RegistryData, Store, StoredRecipients,
} from '../ports.js';
import { deliveryParts } from './delivery.js';

type Row = Record<string, unknown>;

/** The journal entry of a message that lost a race for its SUR at commit: rejected, not archived. */
const duplicateEntry = (e: JournalEntry): JournalEntry => ({
  ...e, status: 'InboundRuleFailure', statusCode: 400, messageSeq: null, transactionId: null,
  message: msgText('MSG1006'), reason: 'senderUniqueReference was accepted by the DIP in another request at the same moment',
});

function migrate(db: Database.Database, migrations: Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)));
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    }).immediate();
  }
}

const toMessage = (r: Row): ArchivedMessage => ({
  seq: Number(r.seq),
  transactionId: r.transaction_id as string,
  channel: r.channel as string,
  eventCode: r.event_code as string,
  schemaVersion: r.schema_version as string,
  senderUniqueReference: r.sur as string,
  senderId: r.sender_id as string,
  senderRole: r.sender_role as string,
  dcpId: (r.dcp_id as string | null) ?? null,
  callerId: r.caller_id as string,
  correlationId: (r.correlation_id as string | null) ?? null,
  senderCorrelationId: (r.sender_correlation_id as string | null) ?? null,
  mpan: (r.mpan as string | null) ?? null,
  receivedAt: Number(r.received_at),
  requestId: r.request_id as string,
  payload: r.payload as Buffer,
  recipients: r.recipients ? (JSON.parse(r.recipients as string) as StoredRecipients) : null,
});

const toJournal = (r: Row): JournalEntry => ({
  at: Number(r.at),
  stage: r.stage as JournalEntry['stage'],
  status: r.status as string,
  statusCode: Number(r.status_code),
  messageSeq: r.message_seq === null ? null : Number(r.message_seq),
  transactionId: (r.transaction_id as string | null) ?? null,
  senderUniqueReference: (r.sur as string | null) ?? null,
  channel: r.channel as string,
  eventCode: (r.event_code as string | null) ?? null,
  senderId: (r.sender_id as string | null) ?? null,
  mpan: (r.mpan as string | null) ?? null,
  correlationId: (r.correlation_id as string | null) ?? null,
  recipient: (r.recipient as string | null) ?? null,
  message: (r.message as string | null) ?? null,
  reason: (r.reason as string | null) ?? null,
  durationMs: Number(r.duration_ms),
});

const toCall = (r: Row): ApiCall => ({
  at: Number(r.at),
  requestId: r.request_id as string,
  callerId: (r.caller_id as string | null) ?? null,
  method: r.method as string,
  path: r.path as string,
  channel: (r.channel as string | null) ?? null,
  status: Number(r.status),
  messages: Number(r.messages),
  accepted: Number(r.accepted),
  durationMs: Number(r.duration_ms),
  remote: (r.remote as string | null) ?? null,
  outcome: (r.outcome as string | null) ?? null,
});

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
       mpan, correlation_id, recipient, message, reason, duration_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertCall = db.prepare(
    `INSERT INTO api_calls (at, request_id, caller_id, method, path, channel, status, messages, accepted, duration_ms, remote, outcome)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const reserve = db.prepare(`UPDATE sequences SET next_value = next_value + ? WHERE name = 'transaction' RETURNING next_value - ? AS first`);
  const surExists = db.prepare('SELECT 1 FROM messages WHERE sur = ?').pluck();

  const writeJournal = (e: JournalEntry): void => {
    insertJournal.run(
      e.at, e.stage, e.status, e.statusCode, e.messageSeq, e.transactionId, e.senderUniqueReference, e.channel, e.eventCode,
      e.senderId, e.mpan, e.correlationId, e.recipient, e.message, e.reason, e.durationMs,
    );
  };
  const writeCall = (c: ApiCall): void => {
    insertCall.run(c.at, c.requestId, c.callerId, c.method, c.path, c.channel, c.status, c.messages, c.accepted, c.durationMs, c.remote, c.outcome);
  };

  const delivery = deliveryParts(db, toMessage, (e) => writeJournal(e));

  const accept = db.transaction((batch: AcceptedBatch): Set<string> => {
    const duplicates = new Set<string>();
    const dropped = new Set<number>();
    for (const m of batch.messages) {
      const info = insertMessage.run(
        m.seq, m.transactionId, m.channel, m.eventCode, m.schemaVersion, m.senderUniqueReference, m.senderId, m.senderRole,
        m.dcpId, m.callerId, m.correlationId, m.senderCorrelationId, m.mpan, m.receivedAt, m.requestId, m.payload,
        m.recipients ? JSON.stringify(m.recipients) : null,
      );
      if (info.changes === 0) {
        duplicates.add(m.senderUniqueReference);
        dropped.add(m.seq);
      }
    }
    for (const e of batch.journal) {
      if (e.messageSeq === null || !dropped.has(e.messageSeq)) writeJournal(e);
      else if (e.stage === 'Inbound') writeJournal(duplicateEntry(e));
    }
    const kept = <T>(list: T[] | undefined, seqOf: (x: T) => number | null): T[] =>
      (list ?? []).filter((x) => { const s = seqOf(x); return s === null || !dropped.has(s); });
    delivery.writeRouting(
      kept(batch.deliveries, (d) => d.messageSeq),
      kept(batch.statusMessages, (s) => s.messageSeq),
      kept(batch.registryChanges, (c) => c.sourceSeq),
      batch.call.at,
    );
    const accepted = batch.call.accepted - duplicates.size;
    writeCall({ ...batch.call, accepted, status: batchStatus(accepted, batch.call.messages) });
    return duplicates;
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
      certificates: (db.prepare('SELECT fingerprint, dip_id, subject, not_after FROM certificates').all() as Row[]).map((r) => ({
        fingerprint: r.fingerprint as string,
        dipId: r.dip_id as string,
        subject: r.subject as string,
        notAfter: Number(r.not_after),
      })),
      apiKeys: (db.prepare('SELECT key_hash, dip_id FROM api_keys').all() as Row[]).map((r) => ({
        keyHash: r.key_hash as string,
        dipId: r.dip_id as string,
      })),
    };
  };

  const saveParticipant = db.transaction((p: Participant) => {
    db.prepare('INSERT INTO participants (dip_id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (dip_id) DO UPDATE SET name = excluded.name')
      .run(p.dipId, p.name, Date.now());
    db.prepare('DELETE FROM participant_roles WHERE dip_id = ?').run(p.dipId);
    const add = db.prepare('INSERT INTO participant_roles (dip_id, role) VALUES (?, ?)');
    for (const role of new Set(p.roles)) add.run(p.dipId, role);
  });

  return {
    ...delivery,
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
      const r = channel === undefined
        ? db.prepare('SELECT count(*) AS n FROM messages').get()
        : db.prepare('SELECT count(*) AS n FROM messages WHERE channel = ?').get(channel);
      return Number((r as Row).n);
    },
    async journalOf(seq) {
      return (db.prepare('SELECT * FROM journal WHERE message_seq = ? ORDER BY id').all(seq) as Row[]).map(toJournal);
    },
    async journalOfReference(sur) {
      const m = db.prepare('SELECT seq FROM messages WHERE sur = ?').pluck().get(sur) as number | undefined;
      const rows = m === undefined
        ? db.prepare('SELECT * FROM journal WHERE sur = ? AND message_seq IS NULL ORDER BY id').all(sur)
        : db.prepare('SELECT * FROM journal WHERE message_seq = ? ORDER BY id').all(m);
      return (rows as Row[]).map(toJournal);
    },
    async recentCalls(limit) {
      return (db.prepare('SELECT * FROM api_calls ORDER BY id DESC LIMIT ?').all(limit) as Row[]).map(toCall);
    },
    async loadRegistry() {
      return loadRegistry();
    },
    async saveParticipant(p) {
      saveParticipant.immediate(p);
    },
    async grantDcp(g: DcpGrant) {
      db.prepare('INSERT INTO dcp_grants (participant_id, role, dcp_id) VALUES (?, ?, ?) ON CONFLICT (participant_id, role) DO UPDATE SET dcp_id = excluded.dcp_id')
        .run(g.participantId, g.role, g.dcpId);
    },
    async revokeDcp(participantId, role) {
      db.prepare('DELETE FROM dcp_grants WHERE participant_id = ? AND role = ?').run(participantId, role);
    },
    async addCertificate(c: CertificateRecord) {
      db.prepare('INSERT INTO certificates (fingerprint, dip_id, subject, not_after, pem, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET dip_id = excluded.dip_id')
        .run(c.fingerprint, c.dipId, c.subject, c.notAfter, c.pem, Date.now());
    },
    async addApiKey(keyHash, dipId, label) {
      db.prepare('INSERT INTO api_keys (key_hash, dip_id, label, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key_hash) DO UPDATE SET dip_id = excluded.dip_id')
        .run(keyHash, dipId, label, Date.now());
    },
    async isEmpty() {
      return db.prepare('SELECT count(*) FROM participants').pluck().get() === 0;
    },
    async close() {
      db.close();
    },
  };
}
