/** Reading the archive on SQLite: messages by sequence number, SUR or transaction id. */
import type { ArchivedMessage } from '../../domain/archive.js';
import { sequenceOfTransactionId } from '../../domain/ids.js';
import { chunks, toMessage, type Row } from '../rows.js';
import { prepared, statement, type Sqlite } from './context.js';

const bySeq = statement('SELECT * FROM messages WHERE seq = ?');
const bySur = statement('SELECT * FROM messages WHERE sur = ?');
const countAll = statement('SELECT count(*) AS n FROM messages');
const countOfChannel = statement('SELECT count(*) AS n FROM messages WHERE channel = ?');
const byTransactionId = statement('SELECT * FROM messages WHERE seq = ? AND transaction_id = ?');

export async function messageBySeq(c: Sqlite, seq: number): Promise<ArchivedMessage | null> {
  const r = bySeq(c).get(seq) as Row | undefined;
  return r ? toMessage(r) : null;
}

export async function messageByReference(c: Sqlite, sur: string): Promise<ArchivedMessage | null> {
  const r = bySur(c).get(sur) as Row | undefined;
  return r ? toMessage(r) : null;
}

export async function countMessages(c: Sqlite, channel?: string): Promise<number> {
  const r = channel === undefined ? countAll(c).get() : countOfChannel(c).get(channel);
  return Number((r as Row).n);
}

/** SELECT … IN (?, …) for n values, prepared once per n (n is 500 but for the last chunk). */
const bySeqs = (c: Sqlite, n: number) =>
  prepared(c, `messagesBySeq:${n}`, `SELECT * FROM messages WHERE seq IN (${Array(n).fill('?').join(',')})`);

export async function messagesBySeq(c: Sqlite, seqs: number[]): Promise<Map<number, ArchivedMessage>> {
  const out = new Map<number, ArchivedMessage>();
  for (const chunk of chunks(seqs, 500)) {
    for (const r of bySeqs(c, chunk.length).all(...chunk) as Row[]) out.set(Number(r.seq), toMessage(r));
  }
  return out;
}

export async function messageByTransactionId(c: Sqlite, transactionId: string): Promise<ArchivedMessage | null> {
  const seq = sequenceOfTransactionId(transactionId);
  if (seq === null) return null;
  const r = byTransactionId(c).get(seq, transactionId) as Row | undefined;
  return r ? toMessage(r) : null;
}
