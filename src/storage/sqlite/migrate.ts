/** Migrations on SQLite: the data directory's lock already makes this process the only one. */
import type Database from 'better-sqlite3';
import { runMigrations, type Migration } from '../migrate.js';
import type { Row } from '../rows.js';

export async function migrate(db: Database.Database, migrations: Migration[]): Promise<void> {
  await runMigrations(
    {
      millis: 'INTEGER',
      begin: 'BEGIN IMMEDIATE',
      placeholder: () => '?',
      exclusively: (fn) => fn(),
      exec: async (sql) => {
        db.exec(sql);
      },
      query: async (sql, params) => {
        const s = db.prepare(sql);
        if (s.reader) return s.all(...params) as Row[];
        s.run(...params);
        return [];
      },
    },
    migrations,
  );
}
