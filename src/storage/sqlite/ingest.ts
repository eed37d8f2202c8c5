/** Ingest on SQLite: sequence numbers, and every batch in one short write transaction. */
import type { AcceptedBatch, ApiCall, ArchivedMessage, JournalEntry } from '../../domain/archive.js';
import { keptOfBatch, type Row } from '../rows.js';
import { writeCall } from './calls.js';
import { immediate, statement, type Sqlite } from './context.js';
import { queueCopies } from './deliveries.js';
import { writeJournal } from './journal.js';
import { applyChange } from './mpans.js';
import { queueStatus } from './status.js';

const reserve = statement(
  `UPDATE sequences SET next_value = next_value + ? WHERE name = 'transaction' RETURNING next_value - ? AS first`,
);
const surExists = statement('SELECT 1 FROM messages WHERE sur = ?', 'pluck');
const insertMessage = statement(
  `INSERT INTO messages (seq, transaction_id, channel, event_code, schema_version, sur, sender_id, sender_role, dcp_id,
       caller_id, correlation_id, sender_correlation_id, mpan, received_at, request_id, payload, recipients)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sur) DO NOTHING`,
);

export async function reserveSequence(c: Sqlite, count: number): Promise<number> {
  return Number((reserve(c).get(count, count) as Row).first);
}

export async function existingReferences(c: Sqlite, surs: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const s of surs) if (surExists(c).get(s) !== undefined) found.add(s);
  return found;
}

export async function acceptBatch(c: Sqlite, batch: AcceptedBatch): Promise<{ duplicates: Set<string> }> {
  return { duplicates: immediate(c, () => accept(c, batch)) };
}

export async function recordCall(c: Sqlite, call: ApiCall, journal: JournalEntry[] = []): Promise<void> {
  immediate(c, () => {
    writeJournal(c, journal);
    writeCall(c, call);
  });
}

export async function recordCalls(c: Sqlite, calls: ApiCall[]): Promise<void> {
  immediate(c, () => {
    for (const call of calls) writeCall(c, call);
  });
}

/** Writes what of the batch won its SURs; returns the SURs another request took first. */
function accept(c: Sqlite, batch: AcceptedBatch): Set<string> {
  const duplicates = new Set<string>();
  const dropped = new Set<number>();
  for (const m of batch.messages) {
    const source = batch.derivedFrom?.get(m.seq);
    if (source !== undefined && dropped.has(source)) {
      dropped.add(m.seq);
      continue;
    }
    if (!insertMessageOnce(c, m)) {
      duplicates.add(m.senderUniqueReference);
      dropped.add(m.seq);
    }
  }
  const kept = keptOfBatch(batch, dropped, duplicates.size);
  const now = batch.call.at;
  writeJournal(c, kept.journal);
  queueCopies(c, kept.deliveries, now);
  queueStatus(c, kept.statusMessages, now);
  for (const change of kept.registryChanges) applyChange(c, change);
  writeCall(c, kept.call);
  return duplicates;
}

/** Archives the message; false (nothing written) when its SUR was accepted before. */
function insertMessageOnce(c: Sqlite, m: ArchivedMessage): boolean {
  const info = insertMessage(c).run(
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
  return info.changes > 0;
}
