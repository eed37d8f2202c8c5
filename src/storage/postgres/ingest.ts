/**
 * Ingest on PostgreSQL: sequence numbers carrying their day, and every batch in one transaction. SUR
 * uniqueness holds across processes through message_refs' primary key.
 */
import type { AcceptedBatch, ApiCall, ArchivedMessage, JournalEntry } from '../../domain/archive.js';
import { chunks, keptOfBatch, type Row } from '../rows.js';
import { insertCalls } from './calls.js';
import { queueCopies } from './deliveries.js';
import { notifyDue } from './due.js';
import { insertJournal } from './journal.js';
import { applyChanges } from './mpans.js';
import { CHUNK, transaction, type Postgres, type Queryable } from './pool.js';
import { dayBase } from './sequence.js';
import { queueStatus } from './status.js';

export async function reserveSequence(c: Postgres, count: number, at = Date.now()): Promise<number> {
  const r = await c.pool.query(
    `UPDATE sequences SET next_value = GREATEST(next_value, $2::bigint) + $1::bigint WHERE name = 'transaction' RETURNING next_value - $1::bigint AS first`,
    [count, dayBase(at)],
  );
  return Number((r.rows[0] as Row).first);
}

export async function existingReferences(c: Postgres, surs: string[]): Promise<Set<string>> {
  const r = await c.pool.query('SELECT sur FROM message_refs WHERE sur = ANY($1::text[])', [surs]);
  return new Set((r.rows as Row[]).map((x) => x.sur as string));
}

export async function acceptBatch(c: Postgres, batch: AcceptedBatch): Promise<{ duplicates: Set<string> }> {
  return { duplicates: await transaction(c.pool, (t) => accept(t, batch)) };
}

export async function recordCall(c: Postgres, call: ApiCall, journal: JournalEntry[] = []): Promise<void> {
  await transaction(c.pool, async (t) => {
    await insertJournal(t, journal);
    await insertCalls(t, [call]);
  });
}

export async function recordCalls(c: Postgres, calls: ApiCall[]): Promise<void> {
  await transaction(c.pool, (t) => insertCalls(t, calls));
}

/** Writes what of the batch won its SURs; returns the SURs another request took first. */
async function accept(t: Queryable, batch: AcceptedBatch): Promise<Set<string>> {
  const claimed = await claimReferences(t, batch.messages);
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
  if (orphans.length > 0) await t.query('DELETE FROM message_refs WHERE sur = ANY($1::text[])', [orphans]);
  await insertMessages(t, kept.messages);
  await insertJournal(t, kept.journal);
  await queueCopies(t, kept.deliveries, batch.call.at);
  await queueStatus(t, kept.statusMessages, batch.call.at);
  if (kept.registryChanges.length > 0) await applyChanges(t, kept.registryChanges);
  if (kept.deliveries.length > 0 || kept.statusMessages.length > 0) await notifyDue(t);
  await insertCalls(t, [kept.call]);
  return duplicates;
}

/** Takes the messages' SURs in message_refs; returns those this request got. */
async function claimReferences(t: Queryable, messages: ArchivedMessage[]): Promise<Set<string>> {
  // Sorted, so that two requests racing for the same SURs take their locks in one order and never deadlock.
  const bySur = [...messages].sort((a, b) =>
    a.senderUniqueReference < b.senderUniqueReference ? -1 : a.senderUniqueReference > b.senderUniqueReference ? 1 : 0,
  );
  const claimed = new Set<string>();
  for (const k of chunks(bySur, CHUNK)) {
    const r = await t.query<{ sur: string }>(
      'INSERT INTO message_refs (sur, seq) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (sur) DO NOTHING RETURNING sur',
      [k.map((m) => m.senderUniqueReference), k.map((m) => m.seq)],
    );
    for (const row of r.rows) claimed.add(row.sur);
  }
  return claimed;
}

async function insertMessages(t: Queryable, messages: ArchivedMessage[]): Promise<void> {
  for (const k of chunks(messages, CHUNK)) {
    await t.query(
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
}
