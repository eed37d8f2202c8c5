/**
 * Migrations on PostgreSQL: on one connection of the pool, under an advisory lock, safe when many processes start at
 * once. The lock is keyed by the schema the tables go in (as housekeeping's election is): DIPs in schemas of their
 * own on one database never share tables, so they need not wait for each other's migrations.
 */
import type pg from 'pg';
import { runMigrations, type Migration, type MigrationDialect } from '../migrate.js';
import type { Row } from '../rows.js';

/** Any fixed number: with the schema's hash, the advisory lock every starting process takes before looking at migrations. */
const MIGRATION_LOCK = 0x0d1b_0001;

function dialect(client: pg.PoolClient): MigrationDialect {
  return {
    millis: 'BIGINT',
    begin: 'BEGIN',
    placeholder: (n) => `$${n}`,
    async exclusively(fn) {
      try {
        await client.query(`SELECT pg_advisory_lock($1, hashtext(coalesce(current_schema(), '')))`, [MIGRATION_LOCK]);
        await fn();
      } finally {
        await client
          .query(`SELECT pg_advisory_unlock($1, hashtext(coalesce(current_schema(), '')))`, [MIGRATION_LOCK])
          .catch(() => undefined);
      }
    },
    async exec(sql) {
      await client.query(sql);
    },
    async query(sql, params) {
      return (await client.query(sql, params)).rows as Row[];
    },
  };
}

/** Applies pending migrations in order, each in its own transaction, one process at a time. */
export async function migrate(pool: pg.Pool, migrations: Migration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await runMigrations(dialect(client), migrations);
  } finally {
    client.release();
  }
}
