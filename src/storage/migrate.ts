/**
 * Numbered, append-only migrations per dialect: migrations/<dialect>/NNNN_name.sql, applied in order. One
 * runner for both backends: each supplies only its dialect (how it writes parameters, opens a transaction and
 * keeps other processes out while it migrates).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from './rows.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations shipped with the package, found from this file whether it runs from src/ or dist/. */
function migrationsDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'migrations'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the OpenDIP package root');
    dir = up;
  }
  return join(dir, 'migrations');
}

export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = join(migrationsDirectory(), dialect);
  return readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), sql: readFileSync(join(dir, f), 'utf8') }));
}

/** What a backend tells the runner about itself. */
export interface MigrationDialect {
  /** The column type holding epoch milliseconds. */
  readonly millis: 'INTEGER' | 'BIGINT';
  /** The statement that opens a migration's transaction. */
  readonly begin: string;
  /** Positional parameter `n` (from 1), as the dialect writes it. */
  placeholder(n: number): string;
  /** Runs `fn` holding whatever keeps other processes from migrating the same database at the same time. */
  exclusively(fn: () => Promise<void>): Promise<void>;
  /** Runs a script of statements without parameters. */
  exec(sql: string): Promise<void>;
  /** Runs one statement with parameters and returns its rows. */
  query(sql: string, params: unknown[]): Promise<Row[]>;
}

/** Applies the migrations the database has not had, in version order, each in its own transaction. */
export async function runMigrations(db: MigrationDialect, migrations: Migration[]): Promise<void> {
  await db.exclusively(async () => {
    await db.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${db.millis} NOT NULL)`,
    );
    const applied = new Set(
      (await db.query('SELECT version FROM schema_migrations', [])).map((r) => Number(r.version)),
    );
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (!applied.has(m.version)) await apply(db, m);
    }
  });
}

async function apply(db: MigrationDialect, m: Migration): Promise<void> {
  const p = (n: number) => db.placeholder(n);
  await db.exec(db.begin);
  try {
    await db.exec(m.sql);
    await db.query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, [
      m.version,
      m.name,
      Date.now(),
    ]);
    await db.exec('COMMIT');
  } catch (e) {
    // SQLite may have ended the transaction itself: the error to report is the migration's.
    await db.exec('ROLLBACK').catch(() => undefined);
    throw new Error(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
  }
}

/** How many of `migrations` the database has not had: 0 when its schema is the one this code expects. */
export async function migrationsBehind(
  query: (sql: string) => Promise<Row[]>,
  migrations: Migration[],
): Promise<number> {
  const applied = new Set((await query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
  return migrations.filter((m) => !applied.has(m.version)).length;
}
