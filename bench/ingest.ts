/**
 * bench/ingest: IF-021 batches (10,000 messages of 48 periods) through the full send API — HTTP,
 * signature verification, Level 1 validation, one-transaction archive — against the floor measured in
 * the same run on the same machine: JSON.parse + compiled schema validation + one-transaction insert of
 * the same rows into the same kind of database. Then one 50,000-message batch, with the server's peak memory.
 * With --database postgres://…, the same run then measures PostgreSQL too: the DIP on that database and a
 * floor inserting into it (each in a schema of its own, dropped afterwards).
 *
 *   npm run bench:ingest [-- --batches 5 --size 10000 --big 50000 --database postgres://postgres@127.0.0.1/test]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Agent, request } from 'undici';
import { leafKey } from '../src/catalogue/catalogue.js';
import { loadCatalogue } from '../src/catalogue/load.js';
import { signRequest } from '../src/crypto/signing.js';
import { transactionId } from '../src/domain/ids.js';
import { openStore } from '../src/storage/open.js';
import { createSchemaRegistry } from '../src/validation/schemas.js';
import { consumptionBatch } from './lib/if021.js';
import { dropSchema, freshSchema } from './lib/postgres.js';
import { startServer, type ServerProcess } from './lib/server.js';

const { values: args } = parseArgs({
  options: {
    batches: { type: 'string', default: '5' },
    size: { type: 'string', default: '10000' },
    big: { type: 'string', default: '50000' },
    database: { type: 'string' },
  },
});
const postgres = args.database;
type Backend = 'SQLite' | 'PostgreSQL';
/** SQLite always; PostgreSQL too, in the same run, when a database is given. */
const backends: Backend[] = postgres ? ['SQLite', 'PostgreSQL'] : ['SQLite'];
const batches = Number(args.batches);
const size = Number(args.size);
const big = Number(args.big);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type FloorRow = { s1: Record<string, string>; mpan: string; text: string };

/** Parses and validates a body as the floor does: JSON.parse of the whole, the compiled validator on each. */
function floorRows(): (body: Buffer) => FloorRow[] {
  const catalogue = loadCatalogue();
  const validate = createSchemaRegistry(catalogue).forLeaf(
    catalogue.leaves.get(leafKey('IF-021', '[ActivePower]', '011'))!,
  ).validate;
  return (body) => {
    const messages = JSON.parse(body.toString('utf8')) as {
      payload: { CommonBlock: { S1: Record<string, string>; M0: { MPANCore: string } } };
    }[];
    return messages.map((m) => {
      if (!validate(m.payload)) throw new Error('floor: invalid message');
      return { s1: m.payload.CommonBlock.S1, mpan: m.payload.CommonBlock.M0.MPANCore, text: JSON.stringify(m.payload) };
    });
  };
}

/** The PostgreSQL floor: the same rows inserted in one transaction (multi-row inserts) into the same schema. */
async function makePostgresFloor(url: string) {
  await (await openStore(url)).close(); // the same schema, by the same migrations
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const parse = floorRows();
  let seq = 1;
  return {
    async insert(body: Buffer): Promise<void> {
      const rows = parse(body);
      const now = Date.now();
      await client.query('BEGIN');
      for (let i = 0; i < rows.length; i += 2_000) {
        const k = rows.slice(i, i + 2_000);
        const seqs = k.map(() => seq++);
        await client.query(
          `INSERT INTO messages (seq, transaction_id, channel, event_code, schema_version, sur, sender_id, sender_role, caller_id, mpan, received_at, request_id, payload)
           SELECT s, t, 'IF-021', '[ActivePower]', '011', u, d, 'SDS', d, m, $6::bigint, 'floor', p
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $7::bytea[]) AS x(s, t, u, d, m, p)`,
          [
            seqs,
            k.map((r, j) => transactionId('IF-021', r.s1.senderDIPID!, 'SDS', '20260101', seqs[j]!)),
            k.map((r) => r.s1.senderUniqueReference),
            k.map((r) => r.s1.senderDIPID),
            k.map((r) => r.mpan),
            now,
            k.map((r) => Buffer.from(r.text)),
          ],
        );
      }
      await client.query('COMMIT');
    },
    close: () => client.end(),
  };
}

/** The floor: what any implementation must do at least, with nothing else. */
async function makeFloor(dir: string) {
  const path = join(dir, 'floor.db');
  await (await openStore(`sqlite:${path}`)).close(); // the same schema, by the same migrations
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const insert = db.prepare(
    `INSERT INTO messages (seq, transaction_id, channel, event_code, schema_version, sur, sender_id, sender_role, dcp_id,
       caller_id, correlation_id, sender_correlation_id, mpan, received_at, request_id, payload)
     VALUES (?, ?, 'IF-021', '[ActivePower]', '011', ?, ?, 'SDS', NULL, ?, NULL, NULL, ?, ?, 'floor', ?)`,
  );
  const parse = floorRows();
  let seq = 1;
  return (body: Buffer): void => {
    const rows = parse(body);
    const now = Date.now();
    db.transaction(() => {
      for (const r of rows) {
        const s = seq++;
        insert.run(
          s,
          transactionId('IF-021', r.s1.senderDIPID!, 'SDS', '20260101', s),
          r.s1.senderUniqueReference,
          r.s1.senderDIPID,
          r.s1.senderDIPID,
          r.mpan,
          now,
          r.text,
        );
      }
    })();
  };
}

function makeClient(server: ServerProcess, dipId: string) {
  const p = server.market.participants.find((x) => x.dipId === dipId)!;
  const key = readFileSync(p.privateKeyPath, 'utf8');
  const cert = readFileSync(p.certificatePath, 'utf8');
  const agent = new Agent({ bodyTimeout: 0, headersTimeout: 0 });
  return {
    async send(body: Buffer): Promise<{ status: number; accepted: number }> {
      const url = `${server.baseUrl}/dip-channel/IF-021`;
      const headers = {
        'content-type': 'application/json',
        ...signRequest({ method: 'POST', url, body, privateKey: key, certificatePem: cert }),
      };
      const res = await request(url, { method: 'POST', headers, body, dispatcher: agent });
      const json = (await res.body.json()) as { messageArray: { message: string }[] };
      return {
        status: res.statusCode,
        accepted: json.messageArray.filter((m) => m.message.startsWith('MSG0000')).length,
      };
    },
    close: () => agent.close(),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'opendip-bench-'));
  const sender = '1200000001';
  const schemas: string[] = [];
  /** The server's database arguments for a run on `backend`: its own data directory's file, or a fresh schema. */
  const databaseArgs = async (backend: Backend, name: string): Promise<string[]> => {
    if (backend === 'SQLite') return [];
    schemas.push(`opendip_bench_${name}_${process.pid}`);
    return ['--database', await freshSchema(postgres!, schemas.at(-1)!)];
  };
  try {
    process.stdout.write(`building ${2 * batches} IF-021 batches of ${size} messages (48 periods each)...\n`);
    const bodies = Array.from({ length: 2 * batches }, (_, i) => consumptionBatch(size, { sender }, i * size));
    const mib = bodies[0]!.length / 1048576;
    for (const backend of backends) {
      let floor: (body: Buffer) => Promise<void>;
      let closeFloor = async (): Promise<void> => undefined;
      if (backend === 'SQLite') {
        const f = await makeFloor(dir);
        floor = async (body) => f(body);
      } else {
        schemas.push(`opendip_bench_floor_${process.pid}`);
        const f = await makePostgresFloor(await freshSchema(postgres!, schemas.at(-1)!));
        floor = (body) => f.insert(body);
        closeFloor = () => f.close();
      }
      const server = await startServer(
        join(dir, `api-${backend}`),
        await databaseArgs(backend, `api_${backend.toLowerCase()}`),
      );
      const client = makeClient(server, sender);
      const floorRates: number[] = [];
      const apiRates: number[] = [];
      for (let i = 0; i < batches; i++) {
        let t0 = performance.now();
        await floor(bodies[2 * i]!);
        floorRates.push(size / ((performance.now() - t0) / 1000));
        t0 = performance.now();
        const r = await client.send(bodies[2 * i + 1]!);
        apiRates.push(size / ((performance.now() - t0) / 1000));
        if (r.status !== 201 || r.accepted !== size)
          throw new Error(`API refused the batch: ${r.status}, ${r.accepted} accepted`);
      }
      await client.close();
      await server.stop();
      await closeFloor();
      const f = median(floorRates);
      const a = median(apiRates);
      process.stdout.write(
        `\ningest of IF-021 on ${backend}, ${batches} batches x ${size} messages (${mib.toFixed(1)} MiB each), median of the batches:\n` +
          `  floor (JSON.parse + validation + one-transaction insert): ${Math.round(f).toLocaleString('en-GB')} msg/s\n` +
          `  full send API (HTTP + signature + Level 1 + archive):      ${Math.round(a).toLocaleString('en-GB')} msg/s\n` +
          `  ratio API / floor: ${(a / f).toFixed(2)}  (target >= 0.50)\n`,
      );
    }

    if (big > 0) {
      const bigBody = consumptionBatch(big, { sender }, 10_000_000);
      for (const backend of backends) {
        const bigServer = await startServer(
          join(dir, `big-${backend}`),
          await databaseArgs(backend, `big_${backend.toLowerCase()}`),
        );
        const idle = bigServer.peakRssMiB();
        const bigClient = makeClient(bigServer, sender);
        const t0 = performance.now();
        const r = await bigClient.send(bigBody);
        const seconds = (performance.now() - t0) / 1000;
        const peak = bigServer.peakRssMiB();
        await bigClient.close();
        await bigServer.stop();
        process.stdout.write(
          `\none batch of ${big.toLocaleString('en-GB')} messages (${(bigBody.length / 1048576).toFixed(0)} MiB) on ${backend}: HTTP ${r.status}, ${r.accepted.toLocaleString('en-GB')} accepted in ${seconds.toFixed(1)} s\n` +
            `  server peak RSS ${peak.toFixed(0)} MiB (idle ${idle.toFixed(0)} MiB): ${(peak / (bigBody.length / 1048576)).toFixed(1)} x the body size\n`,
        );
        if (r.status !== 201 || r.accepted !== big) process.exitCode = 1;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    for (const schema of schemas) await dropSchema(postgres!, schema);
  }
}

await main();
