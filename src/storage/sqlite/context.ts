/**
 * An open SQLite store: one connection, and the statements its operations use, each prepared on first use
 * and kept for the life of the connection. better-sqlite3 is synchronous; operations are async functions
 * all the same, so that the contract's promises (and rejections) hold.
 */
import type Database from 'better-sqlite3';

export interface Sqlite {
  readonly db: Database.Database;
  /** Prepared statements, by the key their `statement` (or dynamic SQL's own key) gave them. */
  readonly statements: Map<unknown, Database.Statement>;
}

export const sqliteContext = (db: Database.Database): Sqlite => ({ db, statements: new Map() });

/** A statement prepared once per connection under `key`; `mode` picks the rows' shape (first column, or arrays). */
export function prepared(c: Sqlite, key: unknown, sql: string, mode?: 'pluck' | 'raw'): Database.Statement {
  let s = c.statements.get(key);
  if (!s) {
    s = c.db.prepare(sql);
    if (mode === 'pluck') s.pluck();
    else if (mode === 'raw') s.raw();
    c.statements.set(key, s);
  }
  return s;
}

/** A statement of fixed SQL, for a module to declare beside the operation using it. */
export function statement(sql: string, mode?: 'pluck' | 'raw'): (c: Sqlite) => Database.Statement {
  const key = Symbol(sql);
  return (c) => prepared(c, key, sql, mode);
}

/** Runs `fn` in one write transaction that takes the write lock at its start. */
export const immediate = <T>(c: Sqlite, fn: () => T): T => c.db.transaction(fn).immediate();

/** Named placeholders (@p1, @p2, …) for SQL built clause by clause; a placeholder may appear more than once. */
export function namedParams(): { param: (v: unknown) => string; values: Record<string, unknown> } {
  const values: Record<string, unknown> = {};
  let n = 0;
  return {
    values,
    param: (v) => {
      values[`p${++n}`] = v;
      return `@p${n}`;
    },
  };
}
