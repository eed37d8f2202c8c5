/**
 * Crash test on PostgreSQL: clients send IF-021 batches without pause to two API processes while API and
 * worker processes are killed with SIGKILL, independently, at random moments and started again. Every
 * message the DIP acknowledged must reach every recipient it was routed to at least once, a restarted
 * worker must free its predecessor's endpoints promptly, and a dead worker's endpoints must be served by
 * the surviving one once their lease ends. crash-sqlite.test.ts does the same with the embedded store.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { dropSchemas, freshSchemaUrl, postgresUnavailable } from '../helpers/postgres.js';
import { pick, processSlot, seconds, startTraffic, until, type Ledger, type Traffic } from './crash-support.js';
import {
  BATCH,
  CLIENTS,
  check,
  drain,
  prepare,
  RESUME_BOUND_MS,
  SLOW_ANSWER_MS,
  sdsOf,
  trafficFor,
} from './crash-run.js';
import { readMarket, removeDir, startServer, tempDir, type ServerProcess } from './support.js';
import { seedDemoPki } from './demo-pki.js';

const unavailable = await postgresUnavailable();
describe('kill -9 of API and worker processes, on PostgreSQL', { skip: unavailable ?? false }, () => {
  after(dropSchemas);
  const API_KILLS = 3;
  const WORKER_KILLS = 3;
  /** Short, so that a survivor's takeover of a dead worker's endpoints fits the test; renewed every quarter of it. */
  const LEASE_S = 4;

  test('every acknowledged message reaches every recipient at least once; a dead worker’s endpoints are served again', async (t) => {
    const dataDir = await seedDemoPki(tempDir('crash-pg'));
    const url = await freshSchemaUrl();
    const common = (database: string) => [
      '--data-dir',
      dataDir,
      '--database',
      database,
      '--port',
      '0',
      '--no-tls',
      '--log-level',
      'warn',
    ];
    const sender = () => sdsOf(readMarket(dataDir));
    // The first process creates the demo market (participants, dev PKI); every other start leaves it be.
    let demoMade = false;
    const api = (name: string) =>
      processSlot(
        name,
        () => {
          const demo = demoMade ? ['--no-demo'] : [];
          demoMade = true;
          return startServer([...common(url), '--role', 'api', ...demo]);
        },
        sender,
      );
    // Each worker process names its database sessions, so that the test can tell when a killed one's are over.
    const sessions = new Map<number, string>();
    let launches = 0;
    const worker = (name: string) =>
      processSlot(name, async () => {
        const session = `opendip-crash-${process.pid}-${name}-${++launches}`;
        const named = new URL(url);
        named.searchParams.set('application_name', session);
        const s = await startServer([
          ...common(named.toString()),
          '--role',
          'worker',
          '--no-demo',
          '--delivery-lease',
          String(LEASE_S),
        ]);
        sessions.set(s.pid, session);
        return s;
      });
    const apis = [api('api-1'), api('api-2')];
    const workers = [worker('worker-1'), worker('worker-2')];
    const db = new pg.Client({ connectionString: url });
    let ledger: Ledger | undefined;
    let traffic: Traffic | undefined;
    try {
      await apis[0]!.start();
      await Promise.all([apis[1]!.start(), ...workers.map((w) => w.start())]);
      await db.connect();
      const prepared = await prepare(apis[0]!, dataDir);
      ledger = prepared.ledger;
      const l = ledger;
      const { recipients } = prepared;
      traffic = startTraffic({
        clients: CLIENTS,
        batch: BATCH,
        templates: prepared.templates,
        targets: () => apis.flatMap((s) => (s.poster ? [s.poster] : [])),
        ledger,
      });

      /** The IF-021 endpoints a process holds a lease on, and until when. */
      const heldBy = async (pid: number) =>
        (
          (
            await db.query(
              `SELECT recipient_id, lease_until FROM endpoints WHERE channel = 'IF-021' AND split_part(lease_owner, ':', 2) = $1`,
              [String(pid)],
            )
          ).rows as { recipient_id: string; lease_until: string }[]
        ).map((r) => ({ recipient: r.recipient_id, until: Number(r.lease_until) }));

      const apiLines: string[] = [];
      const killApis = async (): Promise<void> => {
        for (let k = 1; k <= API_KILLS; k++) {
          await trafficFor(l, l.acknowledgedCount(), 300, 1_500);
          const victim = pick(apis.filter((s) => s.server));
          // Killed while it is reading or committing a batch: a request in flight is the point.
          await until(
            () => traffic!.inFlightTo(victim.poster) > 0,
            Date.now() + 10_000,
            `a request in flight to ${victim.name}`,
            2,
          );
          const requests = traffic!.inFlightTo(victim.poster);
          const kill = l.markKill(`${victim.name} kill ${k}`, false);
          assert.equal((await victim.kill()).signal, 'SIGKILL');
          await sleep(randomInt(100, 1_000));
          const s = await victim.start();
          apiLines.push(`${kill.label}: ${requests} request(s) in flight; down ${seconds(s.readyAt - kill.at)}`);
        }
      };

      const workerLines: string[] = [];
      const killWorkers = async (): Promise<void> => {
        for (let k = 1; k <= WORKER_KILLS; k++) {
          await sleep(randomInt(300, 1_500));
          const victim = pick(workers);
          // A slow sink keeps calls in flight, so the victim is caught holding endpoints.
          l.sink.setBehaviour({ delayMs: SLOW_ANSWER_MS });
          let held: { recipient: string; until: number }[] = [];
          const pid = victim.server!.pid;
          // An endpoint is leased before its call is built and posted: a moment later the call is likely at the sink.
          const caughtHolding = async (): Promise<boolean> => {
            if ((await heldBy(pid)).length === 0) return false;
            await sleep(randomInt(200, SLOW_ANSWER_MS / 2));
            held = await heldBy(pid);
            return held.length > 0;
          };
          await until(caughtHolding, Date.now() + 20_000, `${victim.name} holding an IF-021 endpoint`, 20);
          const kill = l.markKill(`${victim.name} kill ${k}`, false);
          assert.equal((await victim.kill()).signal, 'SIGKILL');
          l.sink.setBehaviour({});
          // What the victim held as it died: a call it finished between the look above and the signal released
          // its endpoint, which the survivor may then serve at once. The database has the last word once the
          // dead process's sessions are gone (a commit it sent just before dying is applied until then).
          const session = sessions.get(pid)!;
          await until(
            async () =>
              (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [session]))
                .rows[0].n === 0,
            Date.now() + 20_000,
            `the database sessions of ${victim.name} ending after ${kill.label}`,
            10,
          );
          held = await heldBy(pid);
          // The second kill leaves the endpoints to the surviving worker, which may take them once the lease ends;
          // the others start the victim again at once, which releases them as it starts.
          const bySurvivor = k === 2;
          const servedAgain = (): boolean => held.every((h) => l.firstArrival(h.recipient, kill.at) !== null);
          const leaseLeft = Math.max(...held.map((h) => h.until)) - kill.at;
          let restarted: ServerProcess | null = null;
          if (bySurvivor) {
            await until(
              servedAgain,
              Date.now() + LEASE_S * 1000 + 20_000,
              `the surviving worker serving ${held.map((h) => h.recipient).join(', ')} after ${kill.label}`,
            );
          } else {
            await sleep(randomInt(0, 1_000));
            restarted = await victim.start();
            await until(
              servedAgain,
              restarted.readyAt + 2 * RESUME_BOUND_MS,
              `${held.map((h) => h.recipient).join(', ')} served again after ${victim.name}'s restart`,
            );
          }
          const served = held.map((h) => ({ ...h, at: l.firstArrival(h.recipient, kill.at)! }));
          const servedMs = Math.max(...served.map((h) => h.at)) - kill.at;
          if (bySurvivor) {
            for (const h of served)
              assert.ok(
                h.at >= h.until - 100,
                `${h.recipient} was served ${seconds(h.until - h.at)} before the dead worker's lease ended`,
              );
            restarted = await victim.start();
          } else {
            assert.ok(
              kill.at + servedMs - restarted!.readyAt <= RESUME_BOUND_MS,
              `the restarted ${victim.name} freed its endpoints within ${seconds(RESUME_BOUND_MS)} of its banner`,
            );
          }
          workerLines.push(
            `${kill.label}: held ${held.map((h) => h.recipient).join(', ')} (lease ${seconds(leaseLeft)} to run) with ${kill.inFlight} call(s) in flight; ` +
              `served again after ${seconds(servedMs)}, ${bySurvivor ? 'by the surviving worker once the lease ended' : `its restart's banner at ${seconds(restarted!.readyAt - kill.at)}`}`,
          );
        }
      };

      // Both run to their end before a failure is reported, so that neither starts a process after the cleanup.
      const killers = await Promise.allSettled([killApis(), killWorkers()]);
      for (const k of killers) if (k.status === 'rejected') throw k.reason;
      await trafficFor(ledger, ledger.acknowledgedCount(), 500, 1_500);
      const report = await traffic.stop();
      traffic = undefined;
      const drained = await drain(ledger);

      check(t, 'postgres', ledger, report, drained, recipients);
      t.diagnostic(`lease ${LEASE_S} s; ${apis.length} API and ${workers.length} worker processes`);
      for (const line of [...apiLines, ...workerLines]) t.diagnostic(line);
    } finally {
      await traffic?.stop();
      await db.end().catch(() => undefined);
      await Promise.all([...apis, ...workers].map((s) => s.stop()));
      await ledger?.sink.close();
      removeDir(dataDir);
    }
  });
});
