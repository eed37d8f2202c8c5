/**
 * Crash test on SQLite: clients send IF-021 batches without pause while the DIP process is killed with
 * SIGKILL at random moments and started again on its data directory. Every message the DIP acknowledged
 * must reach every recipient it was routed to at least once (calls in flight at a kill are sent again, so
 * some arrive twice: counted and reported), and delivery must resume promptly after each restart.
 * crash-postgres.test.ts does the same with API and worker processes sharing a database.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { processSlot, seconds, startTraffic, until, type Ledger, type Traffic } from './crash-support.js';
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
import { seedDemoPki } from './demo-pki.js';
import { readMarket, removeDir, startServer, tempDir } from './support.js';

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
      await seedDemoPki(dataDir);
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
        await trafficFor(ledger, acknowledged, 500, 1_500);
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
      await trafficFor(ledger, acknowledged, 500, 1_500);
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
