/**
 * Nothing acknowledged is lost: duplicate SURs stay duplicates across restarts, a kill -9 in the middle
 * of traffic loses no batch that was answered 201 nor the evidence of what its sender signed, and the
 * data directory lock survives a crash.
 */
import assert from 'node:assert/strict';
import { createHash, randomInt } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { evidenceView } from '../../src/audit/evidence.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { buildBatch } from '../../src/catalogue/messages.js';
import { sequenceOfTransactionId } from '../../src/domain/ids.js';
import type { DemoParticipant } from '../../src/demo/market.js';
import { openStore } from '../../src/storage/open.js';
import { codes, startTestDip } from '../helpers/dip.js';
import {
  BIN,
  cleanEnv,
  demoPoster,
  failed,
  type CliRun,
  freshCopies,
  readMarket,
  removeDir,
  runCli,
  startServer,
  surOf,
  tempDir,
  type Message,
  type ServerProcess,
} from './support.js';
import { seedDemoPki } from './demo-pki.js';

const SDS = '1200000001';

describe('restarting on the same data directory', () => {
  test('a SUR accepted before a restart is still a duplicate after it, and transaction ids keep ascending', async () => {
    const first = await startTestDip();
    const dataDir = first.dataDir;
    try {
      const message = first.message({ channel: 'IF-021', sender: SDS, role: 'SDS' });
      const accepted = await first.send({ as: SDS, channel: 'IF-021', body: [message], transport: 'socket' });
      assert.equal(accepted.status, 201, accepted.text);
      const earlier = sequenceOfTransactionId(accepted.json.messageArray[0]!.transactionID!)!;
      await first.close({ keepData: true });

      const second = await startTestDip({ dataDir });
      try {
        const again = await second.send({ as: SDS, channel: 'IF-021', body: [message], transport: 'socket' });
        assert.equal(again.status, 400, again.text);
        assert.deepEqual(codes(again), ['MSG1006']);
        assert.match(again.json.messageArray[0]!.help!, /already accepted/);

        const fresh = await second.send({
          as: SDS,
          channel: 'IF-021',
          body: [second.message({ channel: 'IF-021', sender: SDS, role: 'SDS' })],
          transport: 'socket',
        });
        assert.equal(fresh.status, 201, fresh.text);
        const later = sequenceOfTransactionId(fresh.json.messageArray[0]!.transactionID!);
        assert.ok(later !== null && later > earlier, `sequence ${later} follows ${earlier}`);
      } finally {
        await second.close();
      }
    } finally {
      removeDir(dataDir);
    }
  });
});

describe('kill -9 during the first start', () => {
  test('a first start killed while it creates the demo market still ends with the demo market on the next start', async (t) => {
    const dataDir = tempDir('first-start');
    const issued = join(dataDir, 'pki', 'participants');
    mkdirSync(issued, { recursive: true });
    try {
      const child = spawn(
        process.execPath,
        [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--no-tls', '--log-level', 'warn'],
        { stdio: 'ignore', env: cleanEnv() },
      );
      const exited = new Promise((resolve) => child.on('close', resolve));
      // The first participant's certificate file appears while the demo participants are being registered.
      const watcher = watch(issued, () => {
        child.kill('SIGKILL');
        watcher.close();
      });
      await exited;
      watcher.close();
      const demoFile = join(dataDir, 'demo', 'participants.json');
      t.diagnostic(
        `killed with ${readdirSync(issued).length / 2} of the demo participants issued; participants.json ${existsSync(demoFile) ? 'written' : 'not written'}`,
      );

      const restarted = await startServer(['--data-dir', dataDir, '--port', '0', '--no-tls', '--log-level', 'warn']);
      try {
        assert.match(
          restarted.banner,
          /^Demo\s+18 participants/m,
          `the banner offers the demo market:\n${restarted.banner}`,
        );
        assert.equal(readMarket(dataDir).participants.length, 18);
      } finally {
        await restarted.stop();
      }
    } finally {
      removeDir(dataDir);
    }
  });
});

describe('kill -9 of a serving process', () => {
  const dataDir = tempDir('crash');
  /** Who holds the data directory; the lock itself is an OS lock on opendip.lock, released when its holder dies. */
  const pidFile = join(dataDir, 'opendip.pid');
  const servers: ServerProcess[] = [];
  let sender: DemoParticipant;
  let templates: Message[];
  /** Every message the killed server answered 201 for, with the transaction id it was given and the SHA-256 of its request's body. */
  const acknowledged: { message: Message; transactionId: string; bodySha256: string }[] = [];
  let refused: CliRun | undefined;

  const serve = async (): Promise<ServerProcess> => {
    const server = await startServer(['--data-dir', dataDir, '--port', '0', '--no-tls', '--log-level', 'warn']);
    servers.push(server);
    return server;
  };

  before(async () => {
    await seedDemoPki(dataDir);
    const first = await serve();
    const market = readMarket(dataDir);
    assert.equal(first.baseUrl, market.baseUrl, 'the banner and participants.json agree on the URL');
    sender = market.participants.find((p) => p.roles.includes('SDS'))!;
    templates = buildBatch(
      loadCatalogue(),
      { channel: 'IF-021', sender: sender.dipId, role: 'SDS', environment: market.environment },
      10,
    );
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    removeDir(dataDir);
  });

  /** Sends batches from three clients until the server is killed with SIGKILL at an arbitrary moment. */
  const trafficUntilKilled = async (server: ServerProcess) => {
    const poster = demoPoster(server.baseUrl, sender);
    const killAfter = randomInt(2, 8);
    let batches = 0;
    let inFlight = 0;
    let inFlightAtKill = -1;
    let killed = false;
    let killScheduled = false;
    const surprises: string[] = [];

    const kill = (): void => {
      if (killScheduled) return;
      killScheduled = true;
      setTimeout(
        () => {
          inFlightAtKill = inFlight;
          killed = true;
          server.child.kill('SIGKILL');
        },
        randomInt(0, 25),
      );
    };
    const client = async (): Promise<void> => {
      while (!killed) {
        const batch = freshCopies(templates, 200);
        const body = JSON.stringify(batch);
        const bodySha256 = createHash('sha256').update(body).digest('hex');
        inFlight++;
        try {
          const r = await poster.post('IF-021', body);
          if (r.status !== 201) throw new Error(`HTTP ${r.status} ${r.text.slice(0, 300)}`);
          r.json.messageArray.forEach((item, i) =>
            acknowledged.push({ message: batch[i]!, transactionId: item.transactionID!, bodySha256 }),
          );
          if (++batches === killAfter) kill();
        } catch (e) {
          // After the kill, failures are the point; before it, they end the run and fail the test.
          if (!killed) {
            surprises.push(String(e));
            kill();
          }
        } finally {
          inFlight--;
        }
      }
    };
    try {
      await Promise.all([client(), client(), client()]);
    } finally {
      await poster.close();
    }
    return { exit: await server.exited, batches, killAfter, inFlightAtKill, surprises };
  };

  test('every batch acknowledged with 201 is in the archive with its journal entry and its evidence after kill -9, three times over', async (t) => {
    for (let round = 0; round < 3; round++) {
      // Each restart also takes over the lock the killed process left behind.
      const server = round === 0 ? servers[0]! : await serve();
      const r = await trafficUntilKilled(server);
      assert.equal(r.exit.signal, 'SIGKILL');
      assert.deepEqual(r.surprises, [], 'every batch before the kill was accepted');
      assert.ok(r.batches >= r.killAfter);
      assert.ok(r.inFlightAtKill > 0, 'requests were in flight when the server died');
      t.diagnostic(
        `round ${round}: ${r.batches} batches of 200 acknowledged; ${r.inFlightAtKill} request(s) in flight at the kill`,
      );
    }

    const store = await openStore(`sqlite:${join(dataDir, 'opendip.db')}`);
    try {
      const missing: string[] = [];
      const found = await Promise.all(acknowledged.map((a) => store.messageByReference(surOf(a.message))));
      const evidence = await store.evidenceOf(found.flatMap((m) => (m ? [m.requestId] : [])));
      for (const [i, { transactionId, bodySha256 }] of acknowledged.entries()) {
        const archived = found[i];
        if (archived?.transactionId !== transactionId) {
          missing.push(`${transactionId}: ${archived ? `archived as ${archived.transactionId}` : 'not archived'}`);
          continue;
        }
        const journal = await store.journalOf(archived.seq);
        if (
          !journal.some((e) => e.stage === 'Inbound' && e.status === 'GoodToGo' && e.transactionId === transactionId)
        ) {
          missing.push(`${transactionId}: no Inbound journal entry`);
        }
        // What the sender signed was committed with the message: the request's evidence, for the body that was sent.
        const kept = evidence.get(archived.requestId);
        if (!kept) missing.push(`${transactionId}: no evidence`);
        else if (kept.bodySha256 !== bodySha256 || kept.signerId !== sender.dipId || !evidenceView(kept).verifies) {
          missing.push(`${transactionId}: evidence for another body, signer, or that does not verify`);
        }
      }
      assert.deepEqual(
        missing.slice(0, 10),
        [],
        `${missing.length} of ${acknowledged.length} acknowledged messages lost`,
      );
    } finally {
      await store.close();
    }
  });

  test('a new server takes over the lock the killed one left behind and carries on where it stopped', async () => {
    assert.ok(acknowledged.length > 0, 'the kill test acknowledged messages');
    assert.equal(
      readFileSync(pidFile, 'utf8').trim(),
      String(servers.at(-1)!.pid),
      'the killed server left its pid file behind',
    );

    const second = await serve();
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(second.pid));
    assert.equal(readMarket(dataDir).baseUrl, second.baseUrl, 'participants.json names the new address');
    const poster = demoPoster(second.baseUrl, sender);
    try {
      const replayed = await poster.post('IF-021', JSON.stringify([acknowledged[0]!.message]));
      assert.equal(replayed.status, 400, replayed.text);
      assert.equal(replayed.json.messageArray[0]!.message, 'MSG1006 - Sender Unique Reference Duplicated');

      const fresh = await poster.post('IF-021', JSON.stringify(freshCopies(templates, 1)));
      assert.equal(fresh.status, 201, fresh.text);
      const highest = Math.max(...acknowledged.map((a) => sequenceOfTransactionId(a.transactionId)!));
      assert.ok(
        sequenceOfTransactionId(fresh.json.messageArray[0]!.transactionID!)! > highest,
        'no transaction id is issued twice',
      );
    } finally {
      await poster.close();
    }
  });

  test('a second server on a data directory in use is refused, naming the directory and the process holding it', async () => {
    const running = servers.at(-1);
    assert.ok(
      running && running.child.exitCode === null && running.child.signalCode === null,
      'the takeover test left a server running',
    );
    refused = await runCli(['serve', '--data-dir', dataDir, '--port', '0', '--no-tls']);
    assert.ok(failed(refused), `exit ${refused.code ?? refused.signal}`);
    assert.doesNotMatch(refused.stdout, /^API /m, 'nothing was served');
    assert.match(
      refused.stderr,
      new RegExp(`${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by OpenDIP process ${running.pid}`),
    );
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(running.pid), 'the refused server leaves the lock alone');
  });

  test('the refusal names the lock file', () => {
    assert.ok(refused, 'the previous test ran');
    assert.match(refused.stderr, /opendip\.lock/);
  });

  test('a stopped server releases the lock', async () => {
    const exit = await servers.at(-1)!.stop('SIGTERM');
    assert.equal(exit.code, 0);
    assert.equal(existsSync(pidFile), false);
    const next = await serve();
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(next.pid), 'the data directory is free again');
    await next.stop('SIGTERM');
  });
});
