/**
 * Connections to PostgreSQL: a pool whose BIGINT columns read as numbers (every one the DIP stores is a
 * safe integer: epoch milliseconds, sequence numbers, ids), transactions retried on deadlock or
 * serialisation failure, the context every operation of the PostgreSQL store works on, and how its
 * statements take parameters.
 */
import pg from 'pg';

export type Queryable = Pick<pg.PoolClient, 'query'>;

/** An open PostgreSQL store: this process's pool, and what it needs for connections of its own. */
export interface Postgres {
  readonly pool: pg.Pool;
  /** Where connections outside the pool go (LISTEN, the housekeeping lock). */
  readonly url: string;
  /** The connection holding the housekeeping lock while this process leads housekeeping. */
  leader: pg.Client | null;
}

/** Positional parameters built up clause by clause. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Rows per INSERT statement: keeps each statement's parameters well under V8's longest string. */
export const CHUNK = 2_000;

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
