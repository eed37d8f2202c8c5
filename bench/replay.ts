/**
 * bench/replay: a supplier replays 100,000 IF-021 messages through the replay API (signed calls over
 * loopback, pages of 50,000 followed with X-Continuation-Token), once by time range and once by MPAN, out of
 * an archive holding as many again for other sites. The floor, measured in the same run: reading the same
 * rows' payloads straight from the same database with one query.
 *
 *   npm run bench:replay [-- --messages 100000 --database postgres://postgres@127.0.0.1/test]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Agent, request } from 'undici';
import { packageRoot } from '../src/catalogue/load.js';
import { signRequest } from '../src/crypto/signing.js';
import { formatDateTime } from '../src/domain/time.js';
import { consumptionBatch, mpanFor } from './lib/if021.js';
import { dropSchema, freshSchema } from './lib/postgres.js';
import { startServer } from './lib/server.js';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    database: { type: 'string' },
    /** Write a CPU profile of the DIP to this directory. */ profile: { type: 'string' },
  },
});
const total = Number(args.messages);
const SENDER = '1200000001';
const SUPPLIER = '1000000001';
const SITE = mpanFor(999_999);
const BATCH = 10_000;
/**
 * How every replayed element begins: counted in the body rather than parsing it, as the floor parses nothing either.
 */
const ELEMENT = Buffer.from('{"replay":');
const count = (body: Buffer, needle: Buffer): number => {
  let n = 0;
  for (let i = body.indexOf(needle); i !== -1; i = body.indexOf(needle, i + needle.length)) n++;
  return n;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'opendip-replay-'));
  const schema = `opendip_bench_replay_${process.pid}`;
  const database = args.database
    ? await freshSchema(args.database, schema)
    : `sqlite:${join(dir, 'dip', 'opendip.db')}`;
  const server = await startServer(
    join(dir, 'dip'),
    ['--database', database],
    args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [],
  );
  const agent = new Agent({ bodyTimeout: 0, headersTimeout: 0 });
  const p = server.market.participants;
  const identity = (id: string) => {
    const x = p.find((q) => q.dipId === id)!;
    return { key: readFileSync(x.privateKeyPath, 'utf8'), cert: readFileSync(x.certificatePath, 'utf8') };
  };
  const post = async (as: string, path: string, body: Buffer, headers: Record<string, string> = {}) => {
    const { key, cert } = identity(as);
    const url = `${server.baseUrl}${path}`;
    const res = await request(url, {
      method: 'POST',
      dispatcher: agent,
      body,
      headers: {
        'content-type': 'application/json',
        ...signRequest({ method: 'POST', url, body, privateKey: key, certificatePem: cert }),
        ...headers,
      },
    });
    return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
  };
  try {
    // The supplier serves every site of the run.
    const csv = join(dir, 'mpans.csv');
    writeFileSync(
      csv,
      [SITE, ...Array.from({ length: total }, (_, i) => mpanFor(i))]
        .map((m) => `${m},SUP,${SUPPLIER},2020-01-01`)
        .join('\n'),
    );
    execFileSync(process.execPath, [
      join(packageRoot(), 'bin', 'opendip.js'),
      'registry',
      'import-mpans',
      '--database',
      database,
      csv,
    ]);

    process.stdout.write(
      `archiving ${total.toLocaleString('en-GB')} IF-021 messages for one site, then as many for others...\n`,
    );
    const from = formatDateTime(Date.now() - 1_000);
    const send = async (count: number, site: string | undefined, offset: number) => {
      for (let i = 0; i < count; i += BATCH) {
        const r = await post(
          SENDER,
          '/dip-channel/IF-021',
          consumptionBatch(Math.min(BATCH, count - i), { sender: SENDER, ...(site ? { mpan: site } : {}) }, offset + i),
        );
        if (r.status !== 201) throw new Error(`send refused: ${r.status} ${r.body.toString().slice(0, 300)}`);
      }
    };
    await send(total, SITE, 0);
    await new Promise((r) => setTimeout(r, 1_100)); // DT-003 has whole seconds
    const to = formatDateTime(Date.now() - 1_000);
    await new Promise((r) => setTimeout(r, 1_100));
    await send(total, undefined, total);

    /**
     * Rows of a query run straight on the DIP's database, on a connection of its own; `sql` names parameters by number.
     */
    const readRows = async (
      sql: (param: (n: number) => string) => string,
      values: unknown[] = [],
    ): Promise<unknown[][]> => {
      if (args.database) {
        const client = new pg.Client({ connectionString: database });
        await client.connect();
        try {
          return (await client.query({ text: sql((n) => `$${n}`), values, rowMode: 'array' })).rows as unknown[][];
        } finally {
          await client.end();
        }
      }
      const db = new Database(database.slice('sqlite:'.length), { readonly: true });
      try {
        // Numbered parameters are bound by number, as an object.
        return db
          .prepare(sql((n) => `?${n}`))
          .raw()
          .all(Object.fromEntries(values.map((v, i) => [i + 1, v]))) as unknown[][];
      } finally {
        db.close();
      }
    };
    // Measured once delivery (to the demo market's own webhooks) has finished, so that it does not compete.
    const pendingCopies = async (): Promise<number> =>
      Number((await readRows(() => `SELECT count(*) FROM deliveries WHERE state = 'pending'`))[0]![0]);
    while ((await pendingCopies()) > 0) await new Promise((r) => setTimeout(r, 500));

    const replay = async (
      filter: Record<string, string>,
    ): Promise<{ seconds: number; messages: number; pages: number; bytes: number }> => {
      const body = Buffer.from(
        JSON.stringify({ datetimeFrom: null, datetimeTo: null, eventCode: null, MPAN: null, version: null, ...filter }),
      );
      const t0 = performance.now();
      let messages = 0;
      let pages = 0;
      let bytes = 0;
      let token: string | undefined;
      for (;;) {
        const r = await post(
          SUPPLIER,
          `/dip-channel/IF-021/replay/${SUPPLIER}`,
          body,
          token ? { 'x-continuation-token': token } : {},
        );
        if (r.status !== 200 && r.status !== 206)
          throw new Error(`replay refused: ${r.status} ${r.body.toString().slice(0, 300)}`);
        messages += count(r.body, ELEMENT);
        bytes += r.body.length;
        pages++;
        if (r.status === 200) break;
        token = r.headers['x-continuation-token'] as string;
      }
      return { seconds: (performance.now() - t0) / 1000, messages, pages, bytes };
    };

    // The floor: the same rows' payloads, read directly with one query.
    const floorSql = (param: (n: number) => string, where: string) =>
      `SELECT m.payload FROM deliveries d JOIN messages m ON m.seq = d.item_seq
       WHERE d.kind = 'message' AND d.requeue_id IS NULL AND d.recipient_id = ${param(1)} AND d.channel = 'IF-021' AND ${where} ORDER BY d.item_seq, d.role`;
    const floor = async (
      where: (param: (n: number) => string) => string,
      values: unknown[],
    ): Promise<{ seconds: number; rows: number }> => {
      const t0 = performance.now();
      const rows = (await readRows((param) => floorSql(param, where(param)), [SUPPLIER, ...values])).length;
      return { seconds: (performance.now() - t0) / 1000, rows };
    };
    const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-GB');
    const cases: {
      name: string;
      filter: Record<string, string>;
      where: (q: (n: number) => string) => string;
      values: unknown[];
    }[] = [
      {
        name: 'by time range',
        filter: { datetimeFrom: from, datetimeTo: to },
        where: (q: (n: number) => string) => `m.received_at >= ${q(2)} AND m.received_at <= ${q(3)}`,
        values: [Date.parse(from), Date.parse(to)],
      },
      {
        name: 'by MPAN',
        filter: { MPAN: SITE },
        where: (q: (n: number) => string) => `m.mpan = ${q(2)}`,
        values: [SITE],
      },
    ];
    process.stdout.write(
      `\nreplay of IF-021 on ${args.database ? 'PostgreSQL' : 'SQLite'}, ${total.toLocaleString('en-GB')} messages a replay, in pages of 50,000:\n`,
    );
    for (const c of cases) {
      const f = await floor(c.where, c.values);
      const r = await replay(c.filter);
      if (r.messages !== total || f.rows !== total)
        throw new Error(`${c.name}: replayed ${r.messages}, floor read ${f.rows}, expected ${total}`);
      process.stdout.write(
        `  ${c.name.padEnd(14)} replay API ${rate(r.messages, r.seconds)} msg/s (${r.pages} pages, ${(r.bytes / 1048576).toFixed(0)} MiB); ` +
          `floor ${rate(f.rows, f.seconds)} msg/s; ratio ${(r.messages / r.seconds / (f.rows / f.seconds)).toFixed(2)}\n`,
      );
    }
  } finally {
    await agent.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    if (args.database) await dropSchema(args.database, schema);
  }
}

await main();
