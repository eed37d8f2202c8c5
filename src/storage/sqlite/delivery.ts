/**
 * The SQLite side of routing and delivery: the MPAN registry, webhooks, deliveries, status messages and
 * endpoints. Statements are prepared once; every multi-row change runs inside the caller's transaction.
 */
import type { Breaker } from '../../domain/breaker.js';
import type Database from 'better-sqlite3';
import type { Service } from '../../domain/appointments.js';
import { sequenceOfTransactionId } from '../../domain/ids.js';
import type { StandardResponseItem } from '../../domain/responses.js';
import {
  STATUS_CHANNEL,
  type AttemptRecord,
  type DeliveryState,
  type Endpoint,
  type PendingDelivery,
} from '../../domain/delivery.js';
import {
  type ArchivedMessage,
  type JournalEntry,
  type NewDelivery,
  type NewStatusMessage,
} from '../../domain/archive.js';
import { type DeliveryStore, type MpanStore, type WebhookStore } from '../ports.js';
import { type MpanChange } from '../../domain/appointments.js';
import { recipientChannels, toWebhook, type Row } from '../rows.js';

export interface DeliveryParts extends MpanStore, WebhookStore, DeliveryStore {
  /** Inside an ingest transaction: what routing produced for the accepted messages. */
  writeRouting(deliveries: NewDelivery[], statusMessages: NewStatusMessage[], changes: MpanChange[], now: number): void;
}

export function deliveryParts(
  db: Database.Database,
  toMessage: (r: Row) => ArchivedMessage,
  writeJournal: (e: JournalEntry) => void,
): DeliveryParts {
  const insertDelivery = db.prepare(
    `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at, publication_id)
     VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
  );
  const touchEndpoint = db.prepare(
    `INSERT INTO endpoints (recipient_id, channel, role, next_due_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (recipient_id, channel, role) DO UPDATE SET next_due_at = min(coalesce(next_due_at, excluded.next_due_at), excluded.next_due_at)`,
  );
  const insertStatus = db.prepare(
    'INSERT INTO status_messages (recipient_id, role, message_seq, item, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  // Who serves at a moment: the latest appointment in force then (MpanView.serving).
  const servingAt = db
    .prepare(
      `SELECT participant_id FROM mpan_services WHERE mpan = @mpan AND service = @service AND effective_from <= @at AND (effective_to IS NULL OR effective_to > @at)
     ORDER BY effective_from DESC, rowid DESC LIMIT 1`,
    )
    .pluck();
  const closeOpen = db.prepare(
    `UPDATE mpan_services SET effective_to = ? WHERE mpan = ? AND service = ? AND effective_to IS NULL AND effective_from < ?`,
  );
  const appoint = db.prepare(
    `INSERT INTO mpan_services (mpan, service, participant_id, effective_from, effective_to, source_seq) VALUES (?, ?, ?, ?, NULL, ?)
     ON CONFLICT DO NOTHING`,
  );
  const endAppointment = db.prepare(
    `UPDATE mpan_services SET effective_to = ? WHERE mpan = ? AND service = ? AND participant_id = ? AND effective_to IS NULL AND effective_from < ?`,
  );

  const applyChange = (c: MpanChange): number => {
    if (c.action === 'end') return endAppointment.run(c.at, c.mpan, c.service, c.participantId, c.at).changes;
    // Re-appointing whoever serves at that moment changes nothing (every REGS message re-states its REGS and LDSO).
    if (servingAt.get({ mpan: c.mpan, service: c.service, at: c.at }) === c.participantId) return 0;
    closeOpen.run(c.at, c.mpan, c.service, c.at);
    return appoint.run(c.mpan, c.service, c.participantId, c.at, c.sourceSeq).changes;
  };

  const queueStatus = (messages: NewStatusMessage[], now: number): void => {
    for (const s of messages) {
      const id = Number(
        insertStatus.run(s.recipientId, s.role, s.messageSeq, JSON.stringify(s.item), now).lastInsertRowid,
      );
      insertDelivery.run('status', id, s.recipientId, s.role, STATUS_CHANNEL, now, now, null);
      touchEndpoint.run(s.recipientId, STATUS_CHANNEL, s.role, now);
    }
  };

  // Read as arrays, without joins: this runs for every call and a call carries up to FETCH_LIMIT copies.
  const pendingMessages = db
    .prepare(
      `SELECT id, item_seq, attempts, first_failure_at, created_at, publication_id, requeue_id FROM deliveries
     WHERE state = 'pending' AND recipient_id = ? AND channel = ? AND role = ? AND next_attempt_at <= ?
     ORDER BY next_attempt_at, id LIMIT ?`,
    )
    .raw();
  const pendingStatuses = db
    .prepare(
      `SELECT d.id, d.attempts, d.first_failure_at, d.created_at, s.item, d.requeue_id FROM deliveries d JOIN status_messages s ON s.id = d.item_seq
     WHERE d.state = 'pending' AND d.recipient_id = ? AND d.channel = ? AND d.role = ? AND d.next_attempt_at <= ?
     ORDER BY d.next_attempt_at, d.id LIMIT ?`,
    )
    .raw();
  const updateDelivery = db.prepare(
    `UPDATE deliveries SET state = ?, attempts = ?, first_failure_at = ?, next_attempt_at = ?, last_attempt_at = ?, last_status = ?, last_error = ?
     WHERE id = ?`,
  );
  // Due at the earliest pending copy, not before @notBefore; null when nothing is pending.
  const NEXT_DUE = `(SELECT CASE WHEN min(next_attempt_at) IS NULL THEN NULL ELSE max(min(next_attempt_at), coalesce(@notBefore, 0)) END
      FROM deliveries WHERE state = 'pending' AND recipient_id = @recipient AND channel = @channel AND role = @role)`;
  // Every write that ends a claim names its holder: a lease lost to another holder is not ended by the old one.
  const HELD = 'recipient_id = @recipient AND channel = @channel AND role = @role AND lease_owner = @owner';
  const setEndpoint = db.prepare(
    `UPDATE endpoints SET breaker = @breaker, next_due_at = ${NEXT_DUE}, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`,
  );
  const release = db.prepare(
    `UPDATE endpoints SET next_due_at = ${NEXT_DUE}, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`,
  );
  const park = db.prepare(
    `UPDATE endpoints SET next_due_at = NULL, lease_owner = NULL, lease_until = NULL WHERE ${HELD}`,
  );
  const holds = db.prepare(`SELECT 1 FROM endpoints WHERE ${HELD}`).pluck();
  const renew = db.prepare(`UPDATE endpoints SET lease_until = @until WHERE ${HELD}`);
  const keyOf = (e: Endpoint) => ({ recipient: e.recipientId, channel: e.channel, role: e.role, owner: e.owner });

  const deliveredBulk = db.prepare(
    `UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, next_attempt_at = @at, last_attempt_at = @at, last_status = @status,
       last_error = NULL WHERE id IN (SELECT value FROM json_each(@ids))`,
  );
  const recordAttempt = db.transaction((r: AttemptRecord): boolean => {
    if (holds.get(keyOf(r.endpoint)) === undefined) return false;
    if (r.delivered.ids.length > 0)
      deliveredBulk.run({ at: r.at, status: r.delivered.status, ids: JSON.stringify(r.delivered.ids) });
    for (const u of r.updates) {
      updateDelivery.run(u.state, u.attempts, u.firstFailureAt, u.nextAttemptAt, r.at, u.lastStatus, u.lastError, u.id);
    }
    for (const e of r.journal) writeJournal(e);
    queueStatus(r.statusMessages, r.at);
    setEndpoint.run({ ...keyOf(r.endpoint), notBefore: r.notBefore, breaker: JSON.stringify(r.breaker) });
    return true;
  });

  const bySeqStatements = new Map<number, Database.Statement>();
  /** SELECT … IN (?, …) for n values, prepared once per n (n is 500 but for the last chunk). */
  const bySeqs = (n: number): Database.Statement => {
    let st = bySeqStatements.get(n);
    if (!st)
      bySeqStatements.set(
        n,
        (st = db.prepare(`SELECT * FROM messages WHERE seq IN (${Array(n).fill('?').join(',')})`)),
      );
    return st;
  };

  const earliest = db
    .prepare('SELECT min(max(next_due_at, coalesce(lease_until, 0))) FROM endpoints WHERE next_due_at IS NOT NULL')
    .pluck();

  const claim = db.transaction((now: number, limit: number, owner: string, leaseMs: number): Endpoint[] => {
    const rows = db
      .prepare(
        `SELECT recipient_id, channel, role, breaker FROM endpoints
       WHERE next_due_at IS NOT NULL AND next_due_at <= ? AND (lease_until IS NULL OR lease_until < ?)
       ORDER BY next_due_at LIMIT ?`,
      )
      .all(now, now, limit) as Row[];
    const lease = db.prepare(
      'UPDATE endpoints SET lease_owner = ?, lease_until = ? WHERE recipient_id = ? AND channel = ? AND role = ?',
    );
    return rows.map((r) => {
      lease.run(owner, now + leaseMs, r.recipient_id, r.channel, r.role);
      return {
        recipientId: r.recipient_id as string,
        channel: r.channel as string,
        role: r.role as string,
        breaker: JSON.parse(r.breaker as string) as Breaker,
        owner,
      };
    });
  });

  return {
    writeRouting(deliveries, statusMessages, changes, now) {
      const endpoints = new Set<string>();
      for (const d of deliveries) {
        insertDelivery.run('message', d.messageSeq, d.recipientId, d.role, d.channel, now, now, d.publicationId);
        const key = `${d.recipientId}|${d.channel}|${d.role}`;
        if (!endpoints.has(key)) {
          endpoints.add(key);
          touchEndpoint.run(d.recipientId, d.channel, d.role, now);
        }
      }
      queueStatus(statusMessages, now);
      for (const c of changes) applyChange(c);
    },
    async appointments(mpans) {
      const out: Awaited<ReturnType<MpanStore['appointments']>> = [];
      const unique = [...new Set(mpans)];
      for (let i = 0; i < unique.length; i += 500) {
        const chunk = unique.slice(i, i + 500);
        const rows = db
          .prepare(
            `SELECT mpan, service, participant_id, effective_from, effective_to FROM mpan_services WHERE mpan IN (${chunk.map(() => '?').join(',')})`,
          )
          .all(...chunk) as Row[];
        for (const r of rows) {
          out.push({
            mpan: r.mpan as string,
            service: r.service as Service,
            participantId: r.participant_id as string,
            from: Number(r.effective_from),
            to: r.effective_to === null ? null : Number(r.effective_to),
          });
        }
      }
      return out;
    },
    async applyMpanChanges(changes) {
      return db.transaction(() => changes.reduce((n, c) => n + (applyChange(c) > 0 ? 1 : 0), 0)).immediate();
    },
    async webhooks(recipientId, channel) {
      return (
        db
          .prepare('SELECT * FROM webhooks WHERE recipient_id = ? AND channel = ? ORDER BY role')
          .all(recipientId, channel) as Row[]
      ).map(toWebhook);
    },
    async saveWebhooks(configs, now) {
      const save = db.prepare(
        `INSERT INTO webhooks (recipient_id, channel, role, callback_url, max_message_count, max_payload_kb, configured_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (recipient_id, channel, role) DO UPDATE SET callback_url = excluded.callback_url, max_message_count = excluded.max_message_count,
           max_payload_kb = excluded.max_payload_kb, configured_by = excluded.configured_by, updated_at = excluded.updated_at`,
      );
      // Copies that waited for a webhook are due now (an endpoint the new webhook does not serve parks again).
      const wake = db.prepare(
        `UPDATE endpoints SET next_due_at = ? WHERE recipient_id = ? AND channel = ?
           AND EXISTS (SELECT 1 FROM deliveries WHERE state = 'pending' AND recipient_id = ? AND channel = ?)`,
      );
      db.transaction(() => {
        for (const c of configs)
          save.run(
            c.recipientId,
            c.channel,
            c.role,
            c.callbackUrl,
            c.maxMessageCount,
            c.maxPayloadKb,
            c.configuredBy,
            now,
          );
        for (const { recipientId, channel } of recipientChannels(configs))
          wake.run(now, recipientId, channel, recipientId, channel);
      }).immediate();
    },
    async deleteWebhooks(recipientId, channel, roles) {
      return db
        .prepare(
          'DELETE FROM webhooks WHERE recipient_id = ? AND channel = ? AND role IN (SELECT value FROM json_each(?))',
        )
        .run(recipientId, channel, JSON.stringify(roles)).changes;
    },
    async earliestDue() {
      const v = earliest.get() as number | null;
      return v === null ? null : Number(v);
    },
    async claimDueEndpoints(now, limit, owner, leaseMs) {
      return claim.immediate(now, limit, owner, leaseMs);
    },
    async pendingDeliveries(endpoint, now, limit) {
      const args = [endpoint.recipientId, endpoint.channel, endpoint.role, now, limit];
      const { recipientId } = endpoint;
      const role = endpoint.role || null;
      const time = (v: unknown): number | null => (v === null ? null : Number(v));
      // Literals with every key in one order (no spreads), so the many copies of a call share one shape.
      if (endpoint.channel === STATUS_CHANNEL) {
        return (pendingStatuses.all(...args) as unknown[][]).map((r): PendingDelivery => ({
          id: Number(r[0]),
          kind: 'status',
          recipientId,
          role,
          attempts: Number(r[1]),
          firstFailureAt: time(r[2]),
          createdAt: Number(r[3]),
          messageSeq: null,
          publicationId: null,
          statusItem: JSON.parse(r[4] as string) as StandardResponseItem,
          requeueId: (r[5] as string | null) ?? null,
        }));
      }
      return (pendingMessages.all(...args) as unknown[][]).map((r): PendingDelivery => ({
        id: Number(r[0]),
        kind: 'message',
        recipientId,
        role,
        attempts: Number(r[2]),
        firstFailureAt: time(r[3]),
        createdAt: Number(r[4]),
        messageSeq: Number(r[1]),
        publicationId: (r[5] as string | null) ?? null,
        statusItem: null,
        requeueId: (r[6] as string | null) ?? null,
      }));
    },
    async messagesBySeq(seqs) {
      const out = new Map<number, ArchivedMessage>();
      for (let i = 0; i < seqs.length; i += 500) {
        const chunk = seqs.slice(i, i + 500);
        for (const r of bySeqs(chunk.length).all(...chunk) as Row[]) {
          out.set(Number(r.seq), toMessage(r));
        }
      }
      return out;
    },
    async recordAttempt(record) {
      return recordAttempt.immediate(record);
    },
    async releaseEndpoint(endpoint, notBefore, parked = false) {
      return (parked ? park.run(keyOf(endpoint)) : release.run({ ...keyOf(endpoint), notBefore })).changes > 0;
    },
    async renewLeases(endpoints, owner, until) {
      return db
        .transaction(() => endpoints.filter((e) => renew.run({ ...keyOf(e), owner, until }).changes > 0))
        .immediate();
    },
    async leaseHolders() {
      return db
        .prepare('SELECT DISTINCT lease_owner FROM endpoints WHERE lease_owner IS NOT NULL')
        .pluck()
        .all() as string[];
    },
    async releaseLeasesOf(holders) {
      if (holders.length === 0) return 0;
      return db
        .prepare(
          'UPDATE endpoints SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IN (SELECT value FROM json_each(?))',
        )
        .run(JSON.stringify(holders)).changes;
    },
    async deliveriesOf(seq) {
      return (
        db
          .prepare(
            `SELECT * FROM deliveries WHERE kind = 'message' AND item_seq = ? AND requeue_id IS NULL ORDER BY id`,
          )
          .all(seq) as Row[]
      ).map((r) => ({
        id: Number(r.id),
        recipientId: r.recipient_id as string,
        role: (r.role as string) || null,
        channel: r.channel as string,
        state: r.state as DeliveryState,
        attempts: Number(r.attempts),
        firstFailureAt: r.first_failure_at === null ? null : Number(r.first_failure_at),
        nextAttemptAt: Number(r.next_attempt_at),
        lastAttemptAt: r.last_attempt_at === null ? null : Number(r.last_attempt_at),
        lastStatus: r.last_status === null ? null : Number(r.last_status),
        lastError: (r.last_error as string | null) ?? null,
      }));
    },
    async statusMessagesOf(seq) {
      return (
        db
          .prepare(
            `SELECT s.*, d.state, d.last_attempt_at, d.last_status FROM status_messages s
         JOIN deliveries d ON d.kind = 'status' AND d.item_seq = s.id AND d.requeue_id IS NULL WHERE s.message_seq = ? ORDER BY s.id`,
          )
          .all(seq) as Row[]
      ).map((r) => ({
        id: Number(r.id),
        recipientId: r.recipient_id as string,
        role: r.role as string,
        item: JSON.parse(r.item as string) as StandardResponseItem,
        createdAt: Number(r.created_at),
        state: r.state as DeliveryState,
        lastAttemptAt: r.last_attempt_at === null ? null : Number(r.last_attempt_at),
        lastStatus: r.last_status === null ? null : Number(r.last_status),
      }));
    },
    async rolesAddressed(seq, recipientId) {
      return db
        .prepare(
          `SELECT DISTINCT role FROM deliveries WHERE kind = 'message' AND item_seq = ? AND recipient_id = ? ORDER BY role`,
        )
        .pluck()
        .all(seq, recipientId) as string[];
    },
    async messageByTransactionId(transactionId) {
      const seq = sequenceOfTransactionId(transactionId);
      if (seq === null) return null;
      const r = db.prepare('SELECT * FROM messages WHERE seq = ? AND transaction_id = ?').get(seq, transactionId) as
        Row | undefined;
      return r ? toMessage(r) : null;
    },
    async addStatusMessages(messages, now) {
      db.transaction(() => queueStatus(messages, now)).immediate();
    },
  };
}
