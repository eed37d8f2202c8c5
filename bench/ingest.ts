/**
 * bench/ingest: IF-021 batches (10,000 messages of 48 periods) through the full send API — HTTP,
 * signature verification, Level 1 validation, one-transaction archive — against the floor measured in
 * the same run on the same machine: JSON.parse + compiled schema validation + one-transaction insert of
 * the same rows into the same kind of database. Then one 50,000-message batch, with the server's peak memory.
 *
 *   npm run bench:ingest [-- --batches 5 --size 10000 --big 50000]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { leafKey } from '../src/catalogue/catalogue.js';
import { loadCatalogue } from '../src/catalogue/load.js';
import { signRequest } from '../src/crypto/signing.js';
import { transactionId } from '../src/domain/ids.js';
import { openStore } from '../src/storage/open.js';
import { createSchemaRegistry } from '../src/validation/schemas.js';
import { consumptionBatch } from './lib/if021.js';
import { startServer, type ServerProcess } from './lib/server.js';

const { values: args } = parseArgs({
  options: { batches: { type: 'string', default: '5' }, size: { type: 'string', default: '10000' }, big: { type: 'string', default: '50000' } },
});
const batches = Number(args.batches);
const size = Number(args.size);
const big = Number(args.big);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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
  const catalogue = loadCatalogue();
  const validate = createSchemaRegistry(catalogue).forLeaf(catalogue.leaves.get(leafKey('IF-021', '[ActivePower]', '011'))!).validate;
  let seq = 1;
  return (body: Buffer): void => {
    const messages = JSON.parse(body.toString('utf8')) as { payload: { CommonBlock: { S1: Record<string, string>; M0: { MPANCore: string } } } }[];
    const rows = messages.map((m) => {
      if (!validate(m.payload)) throw new Error('floor: invalid message');
      return { s1: m.payload.CommonBlock.S1, mpan: m.payload.CommonBlock.M0.MPANCore, text: JSON.stringify(m.payload) };
    });
    const now = Date.now();
    db.transaction(() => {
      for (const r of rows) {
        const s = seq++;
        insert.run(s, transactionId('IF-021', r.s1.senderDIPID!, 'SDS', '20260101', s), r.s1.senderUniqueReference, r.s1.senderDIPID, r.s1.senderDIPID, r.mpan, now, r.text);
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
      const headers = { 'content-type': 'application/json', ...signRequest({ method: 'POST', url, body, privateKey: key, certificatePem: cert }) };
      const res = await request(url, { method: 'POST', headers, body, dispatcher: agent });
      const json = (await res.body.json()) as { messageArray: { message: string }[] };
      return { status: res.statusCode, accepted: json.messageArray.filter((m) => m.message.startsWith('MSG0000')).length };
    },
    close: () => agent.close(),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'opendip-bench-'));
  const sender = '1200000001';
  try {
    process.stdout.write(`building ${2 * batches} IF-021 batches of ${size} messages (48 periods each)...\n`);
    const bodies = Array.from({ length: 2 * batches }, (_, i) => consumptionBatch(size, { sender }, i * size));
    const mib = bodies[0]!.length / 1048576;
    const floor = await makeFloor(dir);
    const server = await startServer(join(dir, 'api'));
    const client = makeClient(server, sender);
    const floorRates: number[] = [];
    const apiRates: number[] = [];
    for (let i = 0; i < batches; i++) {
      let t0 = performance.now();
      floor(bodies[2 * i]!);
      floorRates.push(size / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      const r = await client.send(bodies[2 * i + 1]!);
      apiRates.push(size / ((performance.now() - t0) / 1000));
      if (r.status !== 201 || r.accepted !== size) throw new Error(`API refused the batch: ${r.status}, ${r.accepted} accepted`);
    }
    await client.close();
    await server.stop();
    const f = median(floorRates);
    const a = median(apiRates);
    process.stdout.write(
      `\ningest of IF-021, ${batches} batches x ${size} messages (${mib.toFixed(1)} MiB each), median of the batches:\n` +
      `  floor (JSON.parse + validation + one-transaction insert): ${Math.round(f).toLocaleString('en-GB')} msg/s\n` +
      `  full send API (HTTP + signature + Level 1 + archive):      ${Math.round(a).toLocaleString('en-GB')} msg/s\n` +
      `  ratio API / floor: ${(a / f).toFixed(2)}  (target >= 0.50)\n`,
    );

    if (big > 0) {
      const bigBody = consumptionBatch(big, { sender }, 10_000_000);
      const bigServer = await startServer(join(dir, 'big'));
      const idle = bigServer.peakRssMiB();
      const bigClient = makeClient(bigServer, sender);
      const t0 = performance.now();
      const r = await bigClient.send(bigBody);
      const seconds = (performance.now() - t0) / 1000;
      const peak = bigServer.peakRssMiB();
      await bigClient.close();
      await bigServer.stop();
      process.stdout.write(
        `\none batch of ${big.toLocaleString('en-GB')} messages (${(bigBody.length / 1048576).toFixed(0)} MiB): HTTP ${r.status}, ${r.accepted.toLocaleString('en-GB')} accepted in ${seconds.toFixed(1)} s\n` +
        `  server peak RSS ${peak.toFixed(0)} MiB (idle ${idle.toFixed(0)} MiB): ${(peak / (bigBody.length / 1048576)).toFixed(1)} x the body size\n`,
      );
      if (r.status !== 201 || r.accepted !== big) process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
