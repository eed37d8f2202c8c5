/**
 * "Work is due", across processes: every change that makes delivery work due sends NOTIFY, so that idle
 * workers in any process look at once instead of at their next poll.
 */
import type pg from 'pg';
import { createClient, type Postgres, type Queryable } from './pool.js';

/** The channel every process LISTENs on for "work is due". */
export const DUE_CHANNEL = 'opendip_due';

/** Tells every listening process (at commit, inside a transaction) that work is due. */
export async function notifyDue(t: Queryable): Promise<void> {
  await t.query(`SELECT pg_notify('${DUE_CHANNEL}', '')`);
}

/** Listens on a connection of its own, reconnecting a second after losing it; returns how to stop. */
export async function watchDue(c: Postgres, listener: () => void): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    const conn = createClient(c.url);
    const again = (): void => {
      if (closed || client !== conn) return;
      client = null;
      retry = setTimeout(() => void connect(), 1_000);
    };
    conn.on('error', again);
    conn.on('end', again);
    conn.on('notification', () => listener());
    client = conn;
    try {
      await conn.connect();
      await conn.query(`LISTEN ${DUE_CHANNEL}`);
      listener(); // anything made due while not listening
    } catch {
      await conn.end().catch(() => undefined);
      again();
    }
  };
  await connect();
  return async () => {
    closed = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
