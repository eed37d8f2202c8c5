/**
 * Crash test of the operator's release: a recipient's held copies, more than one release transaction takes,
 * are released by an operator client calling until nothing is left, and the `opendip serve` process is killed
 * with SIGKILL at a random moment of it (before, during or after a transaction). Read from the store while the
 * process is down, every copy is untouched (held, no `Released` entry, no notice) or wholly released (dead,
 * journaled, exactly one notice to its sender), and the count released is a whole number of transactions or all.
 * Started again on the same data directory, the release finishes the rest without a second notice.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUE_ACTION_BATCH } from '../../src/domain/queue.js';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import { openStore } from '../../src/storage/open.js';
import { demoSamples, participant, processSlot, routedRecipients, seconds, subscribe, until } from './crash-support.js';
import { sdsOf } from './crash-run.js';
import { seedDemoPki } from './demo-pki.js';
import { demoPoster, freshCopies, readMarket, removeDir, startServer, surOf, tempDir } from './support.js';

const OPERATOR = '9000000001';
const CHANNEL = 'IF-021';
/** Messages sent per request while the backlog is built. */
const SEND_BATCH = 700;
const WEBHOOK_MAX_MESSAGES = 1_000;
const DEADLINE_MS = 90_000;

/** One copy as the store has it after a kill: its state, its `Released` entries, the operator's notices of it. */
interface CopyState {
  sur: string;
  state: string;
  released: number;
  notices: number;
}

describe('kill -9 during an operator’s release, on SQLite', () => {
  test('each transaction of a release is wholly done or untouched, and a second run finishes with one notice per copy', async (t) => {
    const started = Date.now();
    const deadline = started + DEADLINE_MS;
    const dataDir = tempDir('crash-operator');
    const dbUrl = `sqlite:${join(dataDir, 'opendip.db')}`;
    const dip = processSlot(
      'dip',
      () => startServer(['--data-dir', dataDir, '--port', '0', '--no-tls', '--log-level', 'warn']),
      () => sdsOf(readMarket(dataDir)),
    );
    let sink: Sink | undefined;
    try {
      await seedDemoPki(dataDir);
      await dip.start();
      const market = readMarket(dataDir);
      const templates = demoSamples(dataDir);
      const operator = () => demoPoster(dip.server!.baseUrl, participant(market, OPERATOR));
      const probe = await routedRecipients(dip.poster!, templates);
      // One recipient's webhook answers 404, so each of its copies ends held; the others have none and wait.
      const recipient = probe.recipients[0]!;
      sink = await startSink({
        trustedCa: [readFileSync(market.caCertificatePath, 'utf8')],
        keep: false,
        behaviour: { failWith: { status: 404 } },
      });
      await subscribe(dip.server!.baseUrl, market, [recipient], sink.url, WEBHOOK_MAX_MESSAGES);

      // More copies than one transaction takes: the release needs two calls.
      const total = QUEUE_ACTION_BATCH + randomInt(200, 1_200);
      const surs: string[] = [];
      for (let sent = 0; sent < total;) {
        const batch = freshCopies(templates, Math.min(SEND_BATCH, total - sent));
        const r = await dip.poster!.post(CHANNEL, JSON.stringify(batch));
        assert.equal(r.status, 201, r.text.slice(0, 300));
        surs.push(...batch.map(surOf));
        sent += batch.length;
      }
      const op = operator();
      const count = async (state: string): Promise<number> => {
        const r = await op.call(
          'GET',
          `/admin/deliveries/count?state=${state}&recipient=${recipient}&channel=${CHANNEL}`,
        );
        assert.equal(r.status, 200, r.text);
        return (JSON.parse(r.text) as { count: number }).count;
      };
      await until(
        async () => (await count('held')) === total,
        deadline,
        () => `${total} copies held`,
        200,
      );
      // A runner's lease would keep the release from the endpoint: wait until the runner let it go.
      await until(
        async () => {
          const r = await op.call('GET', `/admin/endpoints?recipient=${recipient}&channel=${CHANNEL}`);
          const { endpoints } = JSON.parse(r.text) as { endpoints: { leased: boolean; pending: number }[] };
          return endpoints.length > 0 && endpoints.every((e) => !e.leased && e.pending === 0);
        },
        deadline,
        'the endpoint idle',
        100,
      );
      const built = Date.now();

      const body = JSON.stringify({ recipient, channel: CHANNEL, state: 'held' });
      const answers: { released: number; more: boolean }[] = [];
      const refused: string[] = [];
      const releaseAll = async (): Promise<void> => {
        for (;;) {
          const r = await op.call('POST', '/admin/deliveries/release', body);
          if (r.status !== 200) {
            refused.push(`HTTP ${r.status}: ${r.text.slice(0, 200)}`);
            return;
          }
          const answer = JSON.parse(r.text) as { released: number; more: boolean };
          answers.push(answer);
          if (!answer.more) return;
        }
      };
      // The kill lands at a random moment: before the first transaction, during either, or after the last
      // (on a 2-core machine both transactions are done within about half a second).
      const killAfter = randomInt(0, 700);
      // The call in flight at the kill fails with its connection.
      const calling = releaseAll().then(
        () => null,
        (e: unknown) => e,
      );
      await sleep(killAfter);
      const exit = await dip.kill();
      assert.equal(exit.signal, 'SIGKILL');
      const callError = await calling;
      void op.close().catch(() => undefined);
      assert.deepEqual(refused, [], 'every release answered before the kill was a 200');
      const answered = answers.reduce((a, b) => a + b.released, 0);

      const noticeOf = new RegExp(`not delivered to ${recipient} .*the DIP's operator ${OPERATOR} gave up`);
      const read = async (): Promise<CopyState[]> => {
        const store = await openStore(dbUrl);
        try {
          const out: CopyState[] = [];
          for (const sur of surs) {
            const m = await store.messageByReference(sur);
            assert.ok(m, `message ${sur} archived`);
            const copies = (await store.deliveriesOf(m.seq)).filter((c) => c.recipientId === recipient);
            assert.equal(copies.length, 1, `one copy of ${sur} for ${recipient}`);
            const journal = await store.journalOf(m.seq);
            const notices = (await store.statusMessagesOf(m.seq)).filter((s) => noticeOf.test(s.item.help ?? ''));
            out.push({
              sur,
              state: copies[0]!.state,
              released: journal.filter((e) => e.status === 'Released').length,
              notices: notices.length,
            });
          }
          return out;
        } finally {
          await store.close();
        }
      };
      const afterKill = await read();
      const untouched = afterKill.filter((c) => c.state === 'held' && c.released === 0 && c.notices === 0);
      const done = afterKill.filter((c) => c.state === 'dead' && c.released === 1 && c.notices === 1);
      const torn = afterKill.filter((c) => !untouched.includes(c) && !done.includes(c));
      assert.deepEqual(torn.slice(0, 5), [], 'no copy is partly released');
      assert.equal(untouched.length + done.length, total);
      assert.ok(
        done.length % QUEUE_ACTION_BATCH === 0 || done.length === total,
        `${done.length} released: a whole number of transactions of ${QUEUE_ACTION_BATCH}, or all ${total}`,
      );
      assert.ok(done.length >= answered, 'every answered release is in the store');

      await dip.start();
      const again = operator();
      let calls = 0;
      let releasedAgain = 0;
      for (let more = true; more;) {
        assert.ok(Date.now() < deadline, 'the release finished in time');
        const r = await again.call('POST', '/admin/deliveries/release', body);
        assert.equal(r.status, 200, r.text);
        const answer = JSON.parse(r.text) as { released: number; more: boolean };
        calls++;
        releasedAgain += answer.released;
        more = answer.more;
      }
      await again.close();
      assert.equal(releasedAgain, untouched.length, 'the second run released exactly the rest');
      const stopped = await dip.server!.stop();
      assert.equal(stopped.code, 0, 'the last process stops cleanly');

      const final = await read();
      const wrong = final.filter((c) => c.state !== 'dead' || c.released !== 1 || c.notices !== 1);
      assert.deepEqual(wrong.slice(0, 5), [], 'every copy released once, with exactly one notice');
      t.diagnostic(
        `${total} held copies built in ${seconds(built - started)}; killed ${killAfter} ms into the release ` +
          `(${answers.length} call(s) answered${callError ? ', one cut off' : ''}): ${done.length} released, ${untouched.length} untouched; ` +
          `${calls} call(s) after the restart released the rest; ${seconds(Date.now() - started)} in all`,
      );
    } finally {
      await dip.stop();
      await sink?.close();
      removeDir(dataDir);
    }
  });
});
