/**
 * Several `opendip serve` processes on one PostgreSQL database behave as one DIP: API processes accept
 * concurrently, worker processes share delivery without sending any batch twice, duplicate SURs sent to
 * different API processes at the same moment are accepted once, and a worker killed mid-delivery loses
 * nothing: the others deliver its endpoints once its lease expires.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { consumptionBatch, mpanFor } from '../../bench/lib/if021.js';
import { startServer, type ServerProcess } from '../../bench/lib/server.js';
import { packageRoot } from '../../src/catalogue/load.js';
import type { ItemFacts } from '../../src/sink/facts.js';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import { dropSchemas, freshSchemaUrl, postgresUnavailable } from '../helpers/postgres.js';
import { participantSignature } from '../helpers/signer.js';
import { seedDemoPki } from './demo-pki.js';

const SENDER = '1200000001';
const RECIPIENTS = ['1000000001', '1600000001', '1700000001', '1700000002'];
const MPANS = 200;

interface Cluster {
  dir: string;
  url: string;
  apis: ServerProcess[];
  workers: ServerProcess[];
  sink: Sink;
  /** Every message element each recipient's webhook accepted: recipient → transaction ids, in arrival order. */
  received: Map<string, string[]>;
  post(api: ServerProcess, as: string, path: string, body: Buffer): Promise<{ status: number; json: unknown }>;
  addWorker(): Promise<ServerProcess>;
  stop(): Promise<void>;
}

async function cluster(apis: number, workers: number, workerArgs: string[] = []): Promise<Cluster> {
  const dir = await seedDemoPki(mkdtempSync(join(tmpdir(), 'opendip-multinode-')));
  const url = await freshSchemaUrl();
  const common = ['--database', url, '--log-level', 'warn'];
  // The first process creates the demo market (participants, dev PKI) in the database and the shared directory.
  const first = await startServer(dir, [...common, '--role', 'api']);
  const rest = await Promise.all(
    Array.from({ length: apis - 1 }, () => startServer(dir, [...common, '--role', 'api', '--no-demo'])),
  );
  const csv = join(dir, 'mpans.csv');
  writeFileSync(csv, Array.from({ length: MPANS }, (_, i) => `${mpanFor(i)},SUP,1000000001,2020-01-01`).join('\n'));
  execFileSync(process.execPath, [
    join(packageRoot(), 'bin', 'opendip.js'),
    'registry',
    'import-mpans',
    '--database',
    url,
    csv,
  ]);

  const market = first.market;
  const received = new Map<string, string[]>(RECIPIENTS.map((r) => [r, []]));
  const sink = await startSink({
    trustedCa: [readFileSync(market.caCertificatePath, 'utf8')],
    keep: false,
    lean: true,
    onCall: (c) => {
      if (c.status !== 201 && c.status !== 207) return;
      const recipient = c.path.split('/')[1]!;
      for (const f of c.facts as ItemFacts[]) if (f.transactionID) received.get(recipient)?.push(f.transactionID);
    },
  });
  const post: Cluster['post'] = async (api, as, path, body) => {
    const p = market.participants.find((x) => x.dipId === as)!;
    const target = `${api.baseUrl}${path}`;
    const headers = participantSignature({
      method: 'POST',
      url: target,
      body,
      keyPem: readFileSync(p.privateKeyPath, 'utf8'),
      certPem: readFileSync(p.certificatePath, 'utf8'),
    });
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: res.status, json: await res.json() };
  };
  for (const r of RECIPIENTS) {
    const res = await post(
      first,
      r,
      `/dip-channel/IF-021/pubconfig/${r}`,
      Buffer.from(JSON.stringify({ callbackURL: `${sink.url}/${r}`, maxMessageCount: 100, maxPayloadSize: 51200 })),
    );
    assert.equal(res.status, 201, JSON.stringify(res.json));
  }
  const addWorker = () =>
    startServer(dir, [...common, '--role', 'worker', '--no-demo', '--batch-linger-ms', '0', ...workerArgs]);
  const workerProcs = await Promise.all(Array.from({ length: workers }, addWorker));
  return {
    dir,
    url,
    apis: [first, ...rest],
    workers: workerProcs,
    sink,
    received,
    post,
    async addWorker() {
      const w = await addWorker();
      workerProcs.push(w);
      return w;
    },
    async stop() {
      await Promise.all(
        [first, ...rest, ...workerProcs].map((p) =>
          p.child.exitCode === null && p.child.signalCode === null ? p.stop() : undefined,
        ),
      );
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Answer {
  transactionID: string | null;
  senderUniqueReference: string | null;
  message: string;
}
const answers = (json: unknown): Answer[] => (json as { messageArray: Answer[] }).messageArray;
const accepted = (json: unknown): Answer[] => answers(json).filter((a) => a.message.startsWith('MSG0000'));

/** Resolves once every recipient has received every one of these transaction ids. */
async function allDelivered(c: Cluster, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = RECIPIENTS.map((r) => {
      const got = new Set(c.received.get(r));
      return ids.filter((id) => !got.has(id)).length;
    });
    if (missing.every((n) => n === 0)) return;
    if (Date.now() > deadline)
      throw new Error(`not delivered after ${timeoutMs} ms: missing per recipient ${missing.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const unavailable = await postgresUnavailable();
describe('several processes on one PostgreSQL database', { skip: unavailable ?? false }, () => {
  after(dropSchemas);

  test('two API and two worker processes: every accepted message reaches every recipient once; a SUR raced through both APIs is accepted once', async () => {
    const c = await cluster(2, 2);
    try {
      // Concurrent sends through both API processes.
      const sends = Array.from({ length: 12 }, (_, i) =>
        c.post(
          c.apis[i % 2]!,
          SENDER,
          '/dip-channel/IF-021',
          consumptionBatch(40, { sender: SENDER, run: `r${i}x` }, (i * 40) % MPANS),
        ),
      );
      // The same batch (same SURs) to both API processes at the same moment.
      const twin = consumptionBatch(30, { sender: SENDER, run: 'twin' });
      const [a, b] = await Promise.all([
        c.post(c.apis[0]!, SENDER, '/dip-channel/IF-021', twin),
        c.post(c.apis[1]!, SENDER, '/dip-channel/IF-021', twin),
      ]);
      const results = await Promise.all(sends);
      for (const r of results) assert.equal(r.status, 201, JSON.stringify(r.json).slice(0, 300));
      const twinAccepted = [...accepted(a.json), ...accepted(b.json)];
      assert.equal(twinAccepted.length, 30, 'each raced SUR accepted by exactly one API process');
      assert.equal(new Set(twinAccepted.map((x) => x.senderUniqueReference)).size, 30);
      const refused = [...answers(a.json), ...answers(b.json)].filter((x) => !x.message.startsWith('MSG0000'));
      assert.ok(
        refused.every((x) => x.message.startsWith('MSG1006')),
        'the other copy is refused as a duplicate SUR',
      );

      const ids = [...results.flatMap((r) => accepted(r.json)), ...twinAccepted].map((x) => x.transactionID!);
      assert.equal(ids.length, 12 * 40 + 30);
      await allDelivered(c, ids, 60_000);
      for (const r of RECIPIENTS) {
        const got = c.received.get(r)!;
        assert.equal(got.length, new Set(got).size, `no message reached ${r} twice: no batch was sent by two workers`);
        assert.equal(got.length, ids.length);
      }
    } finally {
      await c.stop();
    }
  });

  test('a worker killed with SIGKILL mid-delivery: the other delivers everything once the lease expires', async () => {
    // Slow answers keep calls in flight; a short lease lets the survivor take over quickly.
    const c = await cluster(1, 1, ['--webhook-timeout', '5', '--delivery-lease', '3', '--housekeeping-interval', '1']);
    const db = new pg.Client({ connectionString: c.url });
    await db.connect();
    try {
      c.sink.setBehaviour({ delayMs: 2_000 });
      const victim = c.workers[0]!.child;
      /** The database session holding this DIP's housekeeping lock (advisory lock 0x0d1b0002 and its schema), if any. */
      const housekeeper = async () =>
        (
          await db.query(
            `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = hashtext(current_schema())::oid AND objsubid = 2 AND granted`,
            [0x0d1b_0002],
          )
        ).rows[0]?.pid as number | undefined;
      const leasedByVictim = async () =>
        (await db.query('SELECT count(*)::int AS n FROM endpoints WHERE lease_owner LIKE $1', [`%:${victim.pid}:%`]))
          .rows[0].n as number;
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          c.post(
            c.apis[0]!,
            SENDER,
            '/dip-channel/IF-021',
            consumptionBatch(50, { sender: SENDER, run: `k${i}x` }, (i * 50) % MPANS),
          ),
        ),
      );
      const ids = results.flatMap((r) => accepted(r.json)).map((x) => x.transactionID!);
      assert.equal(ids.length, 300, 'everything acknowledged');
      const deadline = Date.now() + 30_000;
      while ((await leasedByVictim()) === 0) {
        assert.ok(
          Date.now() < deadline,
          `the worker never claimed an endpoint: ${JSON.stringify((await db.query('SELECT DISTINCT lease_owner FROM endpoints')).rows)} ${victim.pid}`,
        );
        await new Promise((r) => setTimeout(r, 10));
      }
      await c.addWorker();
      const leader = await housekeeper();
      assert.ok(leader !== undefined, 'the first worker leads housekeeping');
      const held = await leasedByVictim();
      victim.kill('SIGKILL');
      await new Promise((r) => victim.once('exit', r));
      assert.ok(held > 0, 'killed while holding endpoints, with calls in flight');
      c.sink.setBehaviour({});
      await allDelivered(c, ids, 60_000);
      assert.equal(await leasedByVictim(), 0, 'the dead worker holds nothing any more');
      const takeover = Date.now() + 10_000;
      for (let now = await housekeeper(); now === undefined || now === leader; now = await housekeeper()) {
        assert.ok(Date.now() < takeover, 'the surviving worker took over housekeeping');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await db.end();
      await c.stop();
    }
  });
});
