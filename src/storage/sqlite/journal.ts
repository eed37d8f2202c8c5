/** The journal on SQLite: what happened to each message, written inside the transaction that made it happen. */
import type { JournalEntry } from '../../domain/archive.js';
import { toJournal, type Row } from '../rows.js';
import { statement, type Sqlite } from './context.js';

const insertJournal = statement(
  `INSERT INTO journal (at, stage, status, status_code, message_seq, transaction_id, sur, channel, event_code, sender_id,
       mpan, correlation_id, recipient, role, message, reason, duration_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
const journalByMessage = statement('SELECT * FROM journal WHERE message_seq = ? ORDER BY id');
const journalOfRefused = statement('SELECT * FROM journal WHERE sur = ? AND message_seq IS NULL ORDER BY id');
const seqOfReference = statement('SELECT seq FROM messages WHERE sur = ?', 'pluck');

export function writeJournal(c: Sqlite, entries: JournalEntry[]): void {
  const insert = insertJournal(c);
  for (const e of entries) {
    insert.run(
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
  }
}

export async function journalOf(c: Sqlite, seq: number): Promise<JournalEntry[]> {
  return (journalByMessage(c).all(seq) as Row[]).map(toJournal);
}

export async function journalOfReference(c: Sqlite, sur: string): Promise<JournalEntry[]> {
  const m = seqOfReference(c).get(sur) as number | undefined;
  const rows = m === undefined ? journalOfRefused(c).all(sur) : journalByMessage(c).all(m);
  return (rows as Row[]).map(toJournal);
}
