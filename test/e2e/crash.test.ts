/**
 * Crash test: clients send IF-021 batches without pause while DIP processes are killed with SIGKILL at
 * random moments and started again. Every message the DIP acknowledged must reach every recipient it was
 * routed to at least once (calls in flight at a kill are sent again, so some arrive twice: counted and
 * reported), delivery must resume promptly after each restart, and a dead worker's endpoints must be
 * served again. On SQLite one process is killed and restarted on its data directory; on PostgreSQL API and
 * worker processes are killed independently.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { DemoMarketFile } from '../../src/demo/market.js';
import { dropSchemas, freshSchemaUrl, postgresUnavailable } from '../helpers/postgres.js';
import {
  demoSamples,
  participant,
  pick,
  processSlot,
  routedRecipients,
  seconds,
  startLedger,
  startTraffic,
  subscribe,
  until,
  type Ledger,
  type Slot,
  type Traffic,
  type TrafficReport,
} from './crash-support.js';
import { readMarket, removeDir, startServer, tempDir, type Message, type ServerProcess } from './support.js';

/** The design's bound: delivery resumes within 10 s of a restart (from its banner to a webhook call). */
const RESUME_BOUND_MS = 10_000;
/** How long the sink takes to answer while it is slow: long enough that a kill lands mid-call. */
const SLOW_ANSWER_MS = 1_500;
const CLIENTS = 3;
const BATCH = 20;
/** Small calls, so that many are made and the backlog is spread over many. */
const WEBHOOK_MAX_MESSAGES = 100;
const DRAIN_DEADLINE_MS = 60_000;

const sdsOf = (market: DemoMarketFile) =>
  participant(market, market.participants.find((p) => p.roles.includes('SDS'))!.dipId);

/** Probes who the sample is routed to, points those recipients' webhooks at the ledger's sink. */
async function prepare(
  api: Slot,
  dataDir: string,
): Promise<{ ledger: Ledger; templates: Message[]; recipients: string[] }> {
  const market = readMarket(dataDir);
  const templates = demoSamples(dataDir);
  const ledger = await startLedger(readFileSync(market.caCertificatePath, 'utf8'));
  const probe = await routedRecipients(api.poster!, templates);
  assert.ok(probe.recipients.length > 0, 'the sample is routed to someone');
  ledger.ignore(probe.transactionId);
  ledger.expect(probe.recipients);
  await subscribe(api.server!.baseUrl, market, probe.recipients, ledger.sink.url, WEBHOOK_MAX_MESSAGES);
  return { ledger, templates, recipients: probe.recipients };
}

/** Waits until every acknowledged message reached every recipient; says how many copies were owed and how long that took. */
async function drain(ledger: Ledger): Promise<{ owed: number; ms: number }> {
  const t0 = Date.now();
  const owedAtStart = ledger.outstandingCount();
  await until(
    () => ledger.outstandingCount() === 0,
    t0 + DRAIN_DEADLINE_MS,
    () => {
      const owed = [...ledger.outstanding()]
        .filter(([, n]) => n > 0)
        .map(([r, n]) => `${r}: ${n}`)
        .join(', ');
      return `delivery of every acknowledged message to every recipient within ${seconds(DRAIN_DEADLINE_MS)} (copies still owed: ${owed})`;
    },
    100,
  );
  return { owed: owedAtStart, ms: Date.now() - t0 };
}

/** The end checks shared by both backends, and the summary line. */
function check(
  t: TestContext,
  backend: string,
  ledger: Ledger,
  traffic: TrafficReport,
  drained: { owed: number; ms: number },
  recipients: string[],
): void {
  const tally = ledger.tally();
  assert.deepEqual(traffic.unexpected.slice(0, 5), [], 'every answer of a live DIP was 201');
  assert.deepEqual(tally.strangers, [], 'A0 names only the recipients the audit record gave');
  assert.deepEqual(tally.refusedCalls, {}, 'the sink refused no webhook call');
  assert.equal(tally.lost, 0, `acknowledged copies never received: ${tally.lostExamples.join('; ')}`);
  t.diagnostic(
    `${backend}: ${tally.acknowledged} messages acknowledged (${traffic.requests} requests, ${traffic.unanswered} cut off by kills); ` +
      `${tally.received} copies delivered to ${recipients.length} recipients; ${tally.duplicates} duplicates; lost 0; ` +
      `${tally.unacknowledgedDelivered} delivered whose answer a kill took; ${drained.owed} copies pending when sending stopped, drained in ${seconds(drained.ms)}`,
  );
}

describe('kill -9 while sending, on SQLite', () => {
  const KILLS = 4;

  test('every acknowledged message reaches every recipient at least once, and delivery resumes within 10 s of each restart', async (t) => {
    const dataDir = tempDir('crash-sqlite');
    const dip = processSlot(
      'dip',
      () => startServer(['--data-dir', dataDir, '--port', '0', '--no-tls', '--log-level', 'warn']),
      () => sdsOf(readMarket(dataDir)),
    );
    let ledger: Ledger | undefined;
    let traffic: Traffic | undefined;
    try {
      await dip.start();
      const prepared = await prepare(dip, dataDir);
      ledger = prepared.ledger;
      const { recipients } = prepared;
      traffic = startTraffic({
        clients: CLIENTS,
        batch: BATCH,
        templates: prepared.templates,
        targets: () => (dip.poster ? [dip.poster] : []),
        ledger,
      });
      // At least one kill lands while the sink holds webhook calls unanswered; others only by chance.
      const slowRound = randomInt(KILLS);
      const lines: string[] = [];
      let acknowledged = 0;
      for (let round = 1; round <= KILLS; round++) {
        await sleep(randomInt(1_500, 3_500));
        const slow = round - 1 === slowRound || randomInt(3) === 0;
        if (slow) {
          ledger.sink.setBehaviour({ delayMs: SLOW_ANSWER_MS });
          const callInFlight = (): Promise<void> =>
            until(
              () => ledger!.sink.inFlight() > 0,
              Date.now() + 15_000,
              `a webhook call in flight before kill ${round}`,
              5,
            );
          await callInFlight();
          // A random moment within the answer's delay, so that other calls may join the one seen.
          await sleep(randomInt(0, SLOW_ANSWER_MS / 2));
          await callInFlight();
        }
        const requests = traffic.inFlightTo(dip.poster);
        const kill = ledger.markKill(`kill ${round}`, true);
        const exit = await dip.kill();
        ledger.sink.setBehaviour({});
        assert.equal(exit.signal, 'SIGKILL', `kill ${round}`);
        assert.ok(ledger.acknowledgedCount() > acknowledged, `the DIP acknowledged messages before kill ${round}`);
        acknowledged = ledger.acknowledgedCount();
        const owed = ledger.outstanding();
        const server = await dip.start();
        // Every recipient with copies owed gets a call again; the slowest of them is the resumption time.
        const waiting = recipients.filter((r) => (owed.get(r) ?? 0) > 0);
        await until(
          () => waiting.every((r) => ledger!.firstArrival(r, server.spawnedAt) !== null),
          server.readyAt + 2 * RESUME_BOUND_MS,
          () =>
            `delivery after restart ${round} to ${waiting.filter((r) => ledger!.firstArrival(r, server.spawnedAt) === null).join(', ')}`,
        );
        const resumed = Math.max(...waiting.map((r) => ledger!.firstArrival(r, server.spawnedAt)! - server.readyAt));
        const pending = [...owed.values()].reduce((a, b) => a + b, 0);
        // The delivery thread starts before the banner is written, so delivery may resume before it.
        const relative =
          resumed >= 0 ? `${seconds(resumed)} after the banner` : `${seconds(-resumed)} before the banner`;
        lines.push(
          `kill ${round}: ${requests} request(s) and ${kill.inFlight} webhook call(s) in flight${slow ? ' (slow sink)' : ''}, ${pending} copies pending; ` +
            `banner ${seconds(server.readyAt - server.spawnedAt)} after the restart; delivery resumed ${waiting.length ? relative : '(nothing pending)'} on every recipient`,
        );
        assert.ok(
          waiting.length === 0 || resumed <= RESUME_BOUND_MS,
          `delivery resumed ${seconds(resumed)} after restart ${round}'s banner, more than ${seconds(RESUME_BOUND_MS)}`,
        );
      }
      await sleep(1_500);
      const report = await traffic.stop();
      traffic = undefined;
      assert.ok(ledger.acknowledgedCount() > acknowledged, 'the last restart acknowledged messages');
      const drained = await drain(ledger);

      check(t, 'sqlite', ledger, report, drained, recipients);
      assert.ok(
        ledger.kills.some((k) => k.inFlight > 0),
        'a kill landed while webhook calls were in flight',
      );
      const resent = ledger.resentAfterKills();
      assert.ok(resent.calls > 0, 'the sink answered calls of a killed process after it died');
      assert.deepEqual(resent.notResent.slice(0, 10), [], 'every copy in flight at a kill was delivered again');
      for (const line of lines) t.diagnostic(line);
      t.diagnostic(
        `${resent.calls} webhook call(s) in flight at kills (${resent.copies} copies), every copy sent again after the restart`,
      );
      const exit = await dip.server!.stop();
      assert.equal(exit.code, 0, 'the last process stops cleanly');
    } finally {
      await traffic?.stop();
      await dip.stop();
      await ledger?.sink.close();
      removeDir(dataDir);
    }
  });
});

const unavailable = await postgresUnavailable();
describe('kill -9 of API and worker processes, on PostgreSQL', { skip: unavailable ?? false }, () => {
  after(dropSchemas);
  const API_KILLS = 3;
  const WORKER_KILLS = 3;
  /** Short, so that a survivor's takeover of a dead worker's endpoints fits the test; renewed every quarter of it. */
  const LEASE_S = 10;

  test('every acknowledged message reaches every recipient at least once; a dead worker’s endpoints are served again', async (t) => {
    const dataDir = tempDir('crash-pg');
    const url = await freshSchemaUrl();
    const common = ['--data-dir', dataDir, '--database', url, '--port', '0', '--no-tls', '--log-level', 'warn'];
    const sender = () => sdsOf(readMarket(dataDir));
    // The first process creates the demo market (participants, dev PKI); every other start leaves it be.
    let demoMade = false;
    const api = (name: string) =>
      processSlot(
        name,
        () => {
          const demo = demoMade ? ['--no-demo'] : [];
          demoMade = true;
          return startServer([...common, '--role', 'api', ...demo]);
        },
        sender,
      );
    const worker = (name: string) =>
      processSlot(name, () =>
        startServer([...common, '--role', 'worker', '--no-demo', '--delivery-lease', String(LEASE_S)]),
      );
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
          await sleep(randomInt(1_000, 4_000));
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
          await sleep(randomInt(100, 2_000));
          const s = await victim.start();
          apiLines.push(`${kill.label}: ${requests} request(s) in flight; down ${seconds(s.readyAt - kill.at)}`);
        }
      };

      const workerLines: string[] = [];
      const killWorkers = async (): Promise<void> => {
        for (let k = 1; k <= WORKER_KILLS; k++) {
          await sleep(randomInt(1_000, 3_000));
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
      await sleep(1_500);
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
