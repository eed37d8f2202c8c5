/**
 * PostgreSQL for tests: OPENDIP_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). Each store a
 * test opens lives in a schema of its own, dropped when the test file ends. Where no server answers,
 * PostgreSQL tests are skipped with the reason, unless OPENDIP_REQUIRE_POSTGRES=1 (as in CI), which
 * makes them fail instead.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dropSchema, freshSchema } from '../../bench/lib/postgres.js';

export const TEST_DATABASE_URL = process.env.OPENDIP_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** null when PostgreSQL can be used; otherwise why not, for the skip message. */
export async function postgresUnavailable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (e) {
    if (process.env.OPENDIP_REQUIRE_POSTGRES === '1')
      throw new Error(`PostgreSQL is required but unavailable at ${TEST_DATABASE_URL}: ${(e as Error).message}`);
    return `no PostgreSQL at ${TEST_DATABASE_URL} (${(e as Error).message}); set OPENDIP_TEST_DATABASE_URL`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const created: string[] = [];
let counter = 0;
/**
 * Test files run side by side, and other machines or containers (whose process ids may repeat this one's)
 * may share the server: a schema name must be this process's alone, since making one drops any of that name.
 */
const run = randomBytes(4).toString('hex');

/** A database URL whose tables live in a new, empty schema. */
export async function freshSchemaUrl(): Promise<string> {
  const schema = `opendip_test_${process.pid}_${run}_${++counter}`;
  created.push(schema);
  return freshSchema(TEST_DATABASE_URL, schema);
}

/** Drops every schema freshSchemaUrl made in this process. */
export async function dropSchemas(): Promise<void> {
  for (const schema of created.splice(0)) await dropSchema(TEST_DATABASE_URL, schema);
}
