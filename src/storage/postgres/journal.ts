/** The journal on PostgreSQL: what happened to each message, written inside the transaction that made it happen. */
import type { JournalEntry } from '../../domain/archive.js';
import { chunks, toJournal, type Row } from '../rows.js';
import { CHUNK, type Postgres, type Queryable } from './pool.js';

export async function insertJournal(t: Queryable, entries: JournalEntry[]): Promise<void> {
  for (const e of chunks(entries, CHUNK)) {
    await t.query(
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

export async function journalOf(c: Postgres, seq: number): Promise<JournalEntry[]> {
  return ((await c.pool.query('SELECT * FROM journal WHERE message_seq = $1 ORDER BY id', [seq])).rows as Row[]).map(
    toJournal,
  );
}

export async function journalOfReference(c: Postgres, sur: string): Promise<JournalEntry[]> {
  const ref = (await c.pool.query('SELECT seq FROM message_refs WHERE sur = $1', [sur])).rows[0] as Row | undefined;
  const rows =
    ref === undefined
      ? await c.pool.query('SELECT * FROM journal WHERE sur = $1 AND message_seq IS NULL ORDER BY id', [sur])
      : await c.pool.query('SELECT * FROM journal WHERE message_seq = $1 ORDER BY id', [ref.seq]);
  return (rows.rows as Row[]).map(toJournal);
}
