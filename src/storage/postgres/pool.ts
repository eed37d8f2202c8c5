/**
 * Connections to PostgreSQL: a pool whose BIGINT columns read as numbers (every one the DIP stores is a
 * safe integer: epoch milliseconds, sequence numbers, ids), transactions retried on deadlock or
 * serialisation failure, and the migration runner, safe when many processes start at once.
 */
import pg from 'pg';
import type { Migration } from '../migrate.js';

export type Queryable = Pick<pg.PoolClient, 'query'>;

const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export function createPool(url: string, max = 10): pg.Pool {
  return new pg.Pool({ connectionString: url, max, types, idleTimeoutMillis: 30_000 });
}

/** A connection of its own, outside the pool (LISTEN, the housekeeping lock). */
export function createClient(url: string): pg.Client {
  return new pg.Client({ connectionString: url, types });
}

const RETRYABLE = new Set(['40P01', '40001']);

/** Runs `fn` in one transaction; a deadlock or serialisation failure runs it again, a few times. */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (attempt < 5 && RETRYABLE.has((e as { code?: string }).code ?? '')) continue;
      throw e;
    } finally {
      client.release();
    }
  }
}

/** Any fixed number: the advisory lock every starting process takes before looking at migrations. */
const MIGRATION_LOCK = 0x0d1b_0001;

/** Applies pending migrations in order, each in its own transaction, one process at a time. */
export async function migrate(pool: pg.Pool, migrations: Migration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const applied = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          Date.now(),
        ]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
