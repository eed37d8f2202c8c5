/** Opens the store named by a database URL. The only module that knows which backends exist. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadMigrations } from './migrate.js';
import type { Store } from './ports.js';
import { openPostgresStore } from './postgres/store.js';
import { openSqliteStore } from './sqlite/store.js';

export { DataDirInUseError, lockDataDirectory } from './sqlite/lock.js';

/** `sqlite:/abs/path/opendip.db`, `sqlite::memory:`, or `postgres://…`. */
export async function openStore(url: string): Promise<Store> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    return openSqliteStore({ path, migrations: loadMigrations('sqlite') });
  }
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgresStore({ url, migrations: loadMigrations('postgres') });
  throw new Error(`unsupported database URL '${url}': use sqlite:<file> or postgres://…`);
}
