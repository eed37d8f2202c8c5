/**
 * bench/e2e: IF-021 traffic offered at a steady rate to a DIP (`opendip serve`, embedded store or, with
 * --database postgres://…, PostgreSQL in a schema of its own; its own process), delivered to local webhook sinks
 * (another process): each message goes to the MPAN's supplier, the distributor named in M0, and the MDS and
 * LSS, so four copies per message (the target counts three, so
 * the copy rate is printed against it too). Prints the delivered rate,
 * end-to-end latency percentiles and whether the backlog grows; and, as the floor measured in the same run,
 * the rate at which the same sinks absorb the same traffic posted to them directly.
 *
 *   npm run bench:e2e [-- --rate 3700 --seconds 60 --batch 1000 --database postgres://postgres@127.0.0.1/test]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { packageRoot } from '../src/catalogue/load.js';
import { signRequest } from '../src/crypto/signing.js';
import { consumptionBatch, mpanFor } from './lib/if021.js';
import { dropSchema, freshSchema } from './lib/postgres.js';
import { startServer } from './lib/server.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '3700' },
    seconds: { type: 'string', default: '60' },
    batch: { type: 'string', default: '1000' },
    mpans: { type: 'string', default: '20000' },
    /** Write a CPU profile of the DIP to this directory. */
    profile: { type: 'string' },
    /** Keep the DIP's log (at info level: one line per request and per delivery attempt) in this file. */
    log: { type: 'string' },
    /** Run the DIP on this PostgreSQL database (in a schema of its own, dropped afterwards). */
    database: { type: 'string' },
  },
});
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const batchSize = Number(args.batch);
const mpanCount = Number(args.mpans);
const SENDER = '1200000001';
const RECIPIENTS = [
  ['1000000001', 'SUP'],
  ['1600000001', 'LDSO'],
  ['1700000001', 'MDS'],
  ['1700000002', 'LSS'],
] as const;

/** CPU seconds a process has used so far (Linux /proc, user + system). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface SinkReport {
  sink: number;
  at: number;
  status: number;
  runs: [string, number][];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'opendip-e2e-'));
  const sinks = fork(fileURLToPath(new URL('./lib/sinks-child.js', import.meta.url)), [String(RECIPIENTS.length)]);
  const urls = await new Promise<string[]>((resolve) =>
    sinks.on('message', (m: { urls?: string[] }) => m.urls && resolve(m.urls)),
  );
  const schema = `opendip_bench_e2e_${process.pid}`;
  const database = args.database
    ? ['--database', await freshSchema(args.database, schema)]
    : ['--data-dir', join(dir, 'dip')];
  const server = await startServer(
    join(dir, 'dip'),
    ['--batch-linger-ms', '20', ...database, ...(args.log ? ['--log-level', 'info'] : [])],
    args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [],
    args.log,
  );
  const market = server.market;
  const key = (id: string) => market.participants.find((p) => p.dipId === id)!;
  const agent = new Agent({ bodyTimeout: 0, headersTimeout: 0, connections: 8 });
  const signedPost = async (as: string, path: string, body: Buffer): Promise<{ status: number; text: string }> => {
    const p = key(as);
    const url = `${server.baseUrl}${path}`;
    const headers = {
      'content-type': 'application/json',
      ...signRequest({
        method: 'POST',
        url,
        body,
        privateKey: readFileSync(p.privateKeyPath, 'utf8'),
        certificatePem: readFileSync(p.certificatePath, 'utf8'),
      }),
    };
    const res = await request(url, { method: 'POST', headers, body, dispatcher: agent });
    return { status: res.statusCode, text: await res.body.text() };
  };

  try {
    // Who supplies the bench's MPANs, imported the way an operator would.
    const csv = join(dir, 'mpans.csv');
    writeFileSync(
      csv,
      Array.from({ length: mpanCount }, (_, i) => `${mpanFor(i)},SUP,1000000001,2020-01-01`).join('\n'),
    );
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [
      join(packageRoot(), 'bin', 'opendip.js'),
      'registry',
      'import-mpans',
      ...database,
      csv,
    ]);
    for (const [[id], i] of RECIPIENTS.map((r, i) => [r, i] as const)) {
      const r = await signedPost(
        id,
        `/dip-channel/IF-021/pubconfig/${id}`,
        Buffer.from(JSON.stringify({ callbackURL: urls[i], maxMessageCount: 5000, maxPayloadSize: 51200 })),
      );
      if (r.status !== 201) throw new Error(`webhook registration failed: ${r.status} ${r.text}`);
    }

    const batches = Math.ceil((rate * seconds) / batchSize);
    process.stdout.write(`building ${batches} batches of ${batchSize} IF-021 messages...\n`);
    const bodies = Array.from({ length: batches }, (_, b) =>
      consumptionBatch(
        batchSize,
        { sender: SENDER, run: `b${b.toString(16).padStart(7, '0')}` },
        (b * batchSize) % mpanCount,
      ),
    );

    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const delivered = new Array<number>(RECIPIENTS.length).fill(0);
    sinks.on('message', (m: SinkReport) => {
      if (!m.runs || m.status !== 201) return;
      for (const [run, n] of m.runs) {
        delivered[m.sink]! += n;
        const t0 = sentAt.get(run);
        if (t0 !== undefined) for (let i = 0; i < n; i++) latencies.push(m.at - t0);
      }
    });

    const cpu0 = { dip: cpuSeconds(server.child.pid), sinks: cpuSeconds(sinks.pid), load: process.cpuUsage() };
    let accepted = 0;
    const samples: { t: number; backlog: number }[] = [];
    const start = Date.now();
    const interval = (batchSize / rate) * 1000;
    const inflight = new Set<Promise<void>>();
    const sampler = setInterval(() => {
      const copies = delivered.reduce((a, b) => a + b, 0);
      samples.push({ t: (Date.now() - start) / 1000, backlog: accepted * RECIPIENTS.length - copies });
    }, 1000);
    for (let b = 0; b < batches; b++) {
      const due = start + b * interval;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      while (inflight.size >= 4) await Promise.race(inflight);
      const run = `b${b.toString(16).padStart(7, '0')}`;
      sentAt.set(run, Date.now());
      const job = signedPost(SENDER, '/dip-channel/IF-021', bodies[b]!)
        .then((r) => {
          if (r.status !== 201) throw new Error(`batch ${b} answered ${r.status}: ${r.text.slice(0, 300)}`);
          accepted += batchSize;
        })
        .finally(() => inflight.delete(job));
      inflight.add(job);
    }
    await Promise.all(inflight);
    const offeredSeconds = (Date.now() - start) / 1000;
    const drainStart = Date.now();
    while (Math.min(...delivered) < accepted && Date.now() - drainStart < 120_000)
      await new Promise((r) => setTimeout(r, 200));
    const drainSeconds = (Date.now() - drainStart) / 1000;
    clearInterval(sampler);
    const total = (Date.now() - start) / 1000;
    const load = process.cpuUsage(cpu0.load);
    const cpu = {
      dip: cpuSeconds(server.child.pid) - cpu0.dip,
      sinks: cpuSeconds(sinks.pid) - cpu0.sinks,
      load: (load.user + load.system) / 1e6,
    };
    const deliveredAll = Math.min(...delivered);
    latencies.sort((a, b) => a - b);
    const half = samples.filter((s) => s.t > offeredSeconds / 2 && s.t <= offeredSeconds);
    const growth = half.length > 1 ? (half.at(-1)!.backlog - half[0]!.backlog) / (half.at(-1)!.t - half[0]!.t) : 0;

    // The floor: the same sinks taking the same traffic straight from the load generator.
    const floorStart = Date.now();
    const floorBodies = bodies.slice(0, Math.min(bodies.length, Math.ceil(20_000 / batchSize)));
    let floorMessages = 0;
    for (const body of floorBodies) {
      await Promise.all(
        urls.map(async (url) => {
          const res = await request(url, {
            method: 'POST',
            body,
            dispatcher: agent,
            headers: {
              'content-type': 'application/json',
              ...signRequest({
                method: 'POST',
                url,
                body,
                privateKey: readFileSync(join(dir, 'dip', 'pki', 'dip-key.pem'), 'utf8'),
                certificatePem: readFileSync(join(dir, 'dip', 'pki', 'dip.pem'), 'utf8'),
              }),
            },
          });
          await res.body.dump();
        }),
      );
      floorMessages += batchSize;
    }
    const floorRate = floorMessages / ((Date.now() - floorStart) / 1000);

    const deliveredRate = deliveredAll / total;
    process.stdout.write(
      `\nIF-021 offered to a DIP on ${args.database ? "PostgreSQL (its server's CPU is not in the DIP's figure)" : 'SQLite'} at ${rate} msg/s for ${offeredSeconds.toFixed(0)} s in batches of ${batchSize}; each message delivered to ${RECIPIENTS.length} webhooks\n` +
        `  accepted ${accepted.toLocaleString('en-GB')} messages; delivered to every recipient: ${deliveredAll.toLocaleString('en-GB')} (drained ${drainSeconds.toFixed(1)} s after the last send)\n` +
        `  delivered rate ${Math.round(deliveredRate).toLocaleString('en-GB')} msg/s (${Math.round(deliveredRate * RECIPIENTS.length).toLocaleString('en-GB')} copies/s); ratio to the 3,700 msg/s target: ${(deliveredRate / 3700).toFixed(2)}` +
        ` (in copies, against its 3 recipients a message, 11,100/s: ${((deliveredRate * RECIPIENTS.length) / 11_100).toFixed(2)})\n` +
        `  end-to-end latency (send → webhook): p50 ${pct(latencies, 50)} ms, p95 ${pct(latencies, 95)} ms, p99 ${pct(latencies, 99)} ms, max ${latencies.at(-1)} ms\n` +
        `  backlog (copies accepted, not yet delivered) over the second half of the run: ${growth >= 0 ? '+' : ''}${Math.round(growth)} copies/s ${growth > rate * 0.05 * RECIPIENTS.length ? '(growing)' : '(steady)'}\n` +
        `  CPU over the ${total.toFixed(0)} s: DIP ${cpu.dip.toFixed(1)} s (${((100 * cpu.dip) / total).toFixed(0)} % of a core), sinks ${cpu.sinks.toFixed(1)} s, load generator ${cpu.load.toFixed(1)} s; DIP CPU per delivered message ${((1e6 * cpu.dip) / Math.max(1, deliveredAll)).toFixed(0)} µs\n` +
        `  floor: the same sinks take the same traffic posted directly at ${Math.round(floorRate).toLocaleString('en-GB')} msg/s to all ${RECIPIENTS.length}; ratio DIP / floor ${(deliveredRate / floorRate).toFixed(2)}\n`,
    );
  } finally {
    await agent.close();
    await server.stop();
    sinks.send('stop');
    rmSync(dir, { recursive: true, force: true });
    if (args.database) await dropSchema(args.database, schema);
  }
}

await main();
