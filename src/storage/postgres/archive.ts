/** Reading the archive on PostgreSQL: messages by sequence number, SUR or transaction id. */
import type { ArchivedMessage } from '../../domain/archive.js';
import { sequenceOfTransactionId } from '../../domain/ids.js';
import { chunks, toMessage, type Row } from '../rows.js';
import type { Postgres } from './pool.js';

export async function messageBySeq(c: Postgres, seq: number): Promise<ArchivedMessage | null> {
  const r = (await c.pool.query('SELECT * FROM messages WHERE seq = $1', [seq])).rows[0] as Row | undefined;
  return r ? toMessage(r) : null;
}

export async function messageByReference(c: Postgres, sur: string): Promise<ArchivedMessage | null> {
  const r = (
    await c.pool.query('SELECT m.* FROM message_refs f JOIN messages m ON m.seq = f.seq WHERE f.sur = $1', [sur])
  ).rows[0] as Row | undefined;
  return r ? toMessage(r) : null;
}

export async function countMessages(c: Postgres, channel?: string): Promise<number> {
  const r =
    channel === undefined
      ? await c.pool.query('SELECT count(*) AS n FROM messages')
      : await c.pool.query('SELECT count(*) AS n FROM messages WHERE channel = $1', [channel]);
  return Number((r.rows[0] as Row).n);
}

export async function messagesBySeq(c: Postgres, seqs: number[]): Promise<Map<number, ArchivedMessage>> {
  const out = new Map<number, ArchivedMessage>();
  for (const chunk of chunks(seqs, 1000)) {
    for (const r of (await c.pool.query('SELECT * FROM messages WHERE seq = ANY($1::bigint[])', [chunk])).rows as Row[])
      out.set(Number(r.seq), toMessage(r));
  }
  return out;
}

export async function messageByTransactionId(c: Postgres, transactionId: string): Promise<ArchivedMessage | null> {
  const seq = sequenceOfTransactionId(transactionId);
  if (seq === null) return null;
  const r = (await c.pool.query('SELECT * FROM messages WHERE seq = $1 AND transaction_id = $2', [seq, transactionId]))
    .rows[0] as Row | undefined;
  return r ? toMessage(r) : null;
}
