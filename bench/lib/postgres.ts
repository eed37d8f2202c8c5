/** Schemas of their own in a PostgreSQL database, so that runs never see each other's tables. */
import pg from 'pg';

/** The URL with every table in `schema` (search_path). */
export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** Runs statements on a connection of their own. */
export async function runSql(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

/** Creates an empty schema (dropping one of that name first) and returns the URL that uses it. */
export async function freshSchema(url: string, schema: string): Promise<string> {
  await runSql(url, [`DROP SCHEMA IF EXISTS ${schema} CASCADE`, `CREATE SCHEMA ${schema}`]);
  return urlWithSchema(url, schema);
}

export const dropSchema = (url: string, schema: string): Promise<void> =>
  runSql(url, [`DROP SCHEMA IF EXISTS ${schema} CASCADE`]);
