/**
 * What the DIP does with each answer a recipient's webhook can give (seed §4.6.6.1, §5.1.4-§5.1.9), over
 * real sockets: delivered; rejected and relayed to the sender; held without notifying; retried with growing
 * back-off honouring Retry-After until the recipient recovers; dead-lettered with a status message when it
 * never does. Also: a dead recipient costs a healthy one nothing, copies wait for a webhook, and calls are
 * packed under the webhook's limits. The clock is moved by hand, so hours of retries take no real time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import {
  accept,
  callsTo,
  closedPort,
  copiesOf,
  copyWhen,
  if004,
  manualClock,
  MSS,
  statusesAbout,
  subscribeAt,
  SUP,
  SUP2,
  surOf,
  txnOf,
  unresponsive,
  until,
  type Copy,
  type ManualClock,
} from './delivery-support.js';

const MINUTE = 60_000;
const tried = (n: number) => (c: Copy) => c.attempts >= n;
const settled = (c: Copy) => c.state !== 'pending';

/** Moves the clock to when the copy is next due and wakes the engine. */
function dueNow(t: TestDip, clock: ManualClock, copy: Copy): void {
  clock.advance(Math.max(0, copy.nextAttemptAt - clock.now()));
  t.dip.delivery!.wake();
}

describe('each answer of the recipient webhook', () => {
  const clock = manualClock();
  let t: TestDip;
  let mss: Sink;
  let status: Sink;
  before(async () => {
    t = await startTestDip({ flags: { batchLingerMs: '0', webhookTimeout: '2' }, clock });
    mss = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
    status = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
    assert.equal((await subscribeAt(t, clock, MSS, 'IF-004', `${mss.url}/mss`)).status, 201);
    assert.equal((await subscribeAt(t, clock, SUP, 'STATUS', `${status.url}/sup`)).status, 201);
  });
  after(async () => {
    await t?.close();
    await mss?.close();
    await status?.close();
  });

  /** Sends IF-004 messages (built now, or given) to MSS and returns their SURs and transaction ids. */
  async function send(count = 1, batch = if004(t, clock, [MSS], count)): Promise<{ sur: string; txn: string }[]> {
    const r = await accept(t, clock, SUP, 'IF-004', batch);
    return batch.map((m, i) => ({ sur: surOf(m), txn: r.json.messageArray[i]!.transactionID! }));
  }

  /**
   * Proves a settled copy is not sent again: with the clock an hour on, a newer message to the same endpoint is
   * delivered, and a due copy would have been packed into that call or an earlier one.
   */
  async function notSentAgain(sur: string, txn: string): Promise<void> {
    mss.setBehaviour({});
    clock.advance(60 * MINUTE);
    const [probe] = await send();
    await copyWhen(t, probe!.sur, MSS, (c) => c.state === 'delivered', 'the probe message delivered');
    const [copy] = await copiesOf(t, sur);
    assert.equal(copy!.attempts, 1, `${sur} was not tried again`);
    assert.equal(
      callsTo(mss, '/mss').filter((c) => c.items.some((i) => txnOf(i) === txn)).length,
      1,
      'one call carried it',
    );
  }

  test('201: delivered once, and the sender hears nothing', async () => {
    const [m] = await send();
    const copy = await copyWhen(t, m!.sur, MSS, settled, 'the copy settled');
    assert.equal(copy.state, 'delivered');
    assert.equal(copy.lastStatus, 201);
    assert.equal(mss.messages().filter((e) => txnOf(e) === m!.txn).length, 1);
    const seq = (await t.dip.store.messageByReference(m!.sur))!.seq;
    assert.deepEqual(await t.dip.store.statusMessagesOf(seq), []);
  });

  test("207: the rejected message goes back to the sender with the recipient's code and help, the others are delivered", async () => {
    const batch = if004(t, clock, [MSS], 3);
    mss.setBehaviour({ reject: { code: 'RCP1061', match: new RegExp(surOf(batch[1]!)) } });
    const [a, b, c] = await send(3, batch);
    // The three were accepted in one request, so they travel in one call.
    for (const m of [a, b, c]) await copyWhen(t, m!.sur, MSS, settled, 'the copy settled');
    mss.setBehaviour({});
    const call = callsTo(mss, '/mss').find((x) => x.items.some((i) => txnOf(i) === b!.txn))!;
    assert.equal(call.status, 207);
    assert.equal(call.itemCount, 3);
    assert.deepEqual(
      (await Promise.all([a, b, c].map((m) => copiesOf(t, m!.sur)))).map((x) => [x[0]!.state, x[0]!.lastStatus]),
      [
        ['delivered', 207],
        ['rejected', 207],
        ['delivered', 207],
      ],
    );
    await status.waitFor((s) => statusesAbout(s, b!.txn).length === 1);
    const relayed = statusesAbout(status, b!.txn)[0]!;
    assert.equal(relayed.message, 'RCP1061 - MPAN Invalid or Unknown');
    assert.match(relayed.help ?? '', /rejected by this sink's test rule/);
    assert.equal(relayed.senderID, MSS, 'the recipient is the one saying it');
    assert.equal(relayed.recipientID, SUP);
    assert.equal(relayed.senderUniqueReference, b!.sur);
    await notSentAgain(b!.sur, b!.txn);
    assert.deepEqual(
      [a, c].map((m) => statusesAbout(status, m!.txn).length),
      [0, 0],
      'delivered messages are not reported',
    );
  });

  for (const code of [400, 405, 406]) {
    test(`${code}: relayed to the sender as a status message and not retried`, async () => {
      mss.setBehaviour({ failWith: { status: code, times: 1 } });
      const [m] = await send();
      const copy = await copyWhen(t, m!.sur, MSS, settled, 'the copy settled');
      assert.deepEqual([copy.state, copy.lastStatus], ['rejected', code]);
      await status.waitFor((s) => statusesAbout(s, m!.txn).length === 1);
      const relayed = statusesAbout(status, m!.txn)[0]!;
      assert.match(relayed.message ?? '', /^RCP\d{4} - /);
      assert.match(relayed.help ?? '', new RegExp(`${code}`));
      assert.deepEqual([relayed.senderID, relayed.recipientID, relayed.senderUniqueReference], [MSS, SUP, m!.sur]);
      await notSentAgain(m!.sur, m!.txn);
    });
  }

  test('400 with a code per message: each message is relayed with its own code', async () => {
    mss.setBehaviour({ reject: { code: 'RCP1001' } });
    const sent = await send(2);
    for (const m of sent) assert.equal((await copyWhen(t, m.sur, MSS, settled, 'the copy settled')).state, 'rejected');
    mss.setBehaviour({});
    await status.waitFor((s) => sent.every((m) => statusesAbout(s, m.txn).length === 1));
    for (const m of sent) assert.equal(statusesAbout(status, m.txn)[0]!.message, 'RCP1001 - Schema Failure');
  });

  for (const code of [401, 403, 404, 413, 505]) {
    test(`${code}: held for the operator, not retried, and the sender is not told`, async () => {
      mss.setBehaviour({ failWith: { status: code, times: 1 } });
      const [m] = await send();
      const copy = await copyWhen(t, m!.sur, MSS, settled, 'the copy settled');
      assert.deepEqual([copy.state, copy.lastStatus], ['held', code]);
      await notSentAgain(m!.sur, m!.txn);
      const seq = (await t.dip.store.messageByReference(m!.sur))!.seq;
      assert.deepEqual(await t.dip.store.statusMessagesOf(seq), [], 'no status message is queued');
      assert.equal(statusesAbout(status, m!.txn).length, 0);
    });
  }

  /** Two failures of the given kind, then success: the gap before the second retry is longer than before the first. */
  async function retriedThenDelivered(
    fail: () => Promise<void>,
    recover: () => Promise<void>,
    expect: (c: Copy) => void,
  ): Promise<void> {
    await fail();
    const [m] = await send();
    const first = await copyWhen(t, m!.sur, MSS, tried(1), 'the first attempt');
    assert.equal(first.state, 'pending', 'kept for a retry');
    expect(first);
    dueNow(t, clock, first);
    const second = await copyWhen(t, m!.sur, MSS, tried(2), 'the second attempt');
    assert.equal(second.state, 'pending');
    expect(second);
    assert.ok(
      second.nextAttemptAt - second.lastAttemptAt! > first.nextAttemptAt - first.lastAttemptAt!,
      `back-off grows: ${first.nextAttemptAt - first.lastAttemptAt!} ms, then ${second.nextAttemptAt - second.lastAttemptAt!} ms`,
    );
    await recover();
    dueNow(t, clock, second);
    const done = await copyWhen(t, m!.sur, MSS, settled, 'delivery after recovery');
    assert.deepEqual([done.state, done.attempts], ['delivered', 3]);
    assert.equal(mss.messages().filter((e) => txnOf(e) === m!.txn).length, 1, 'received once');
    const seq = (await t.dip.store.messageByReference(m!.sur))!.seq;
    assert.deepEqual(await t.dip.store.statusMessagesOf(seq), [], 'retries are not reported to the sender');
  }

  for (const code of [408, 429, 500, 502, 503, 504]) {
    test(`${code}: retried with growing back-off until the recipient takes it`, async () => {
      await retriedThenDelivered(
        async () => mss.setBehaviour({ failWith: { status: code, times: 2 } }),
        async () => undefined,
        (c) => assert.equal(c.lastStatus, code),
      );
    });
  }

  test('no answer within the webhook timeout: retried with growing back-off', async () => {
    // The sink would answer 503, but only after the DIP has given up waiting.
    await retriedThenDelivered(
      async () => mss.setBehaviour({ delayMs: 2_500, failWith: { status: 503, times: 2 } }),
      async () => mss.setBehaviour({}),
      (c) => assert.match(c.lastError ?? '', /timeout/),
    );
  });

  test('a connection dropped without an answer: retried with growing back-off', async () => {
    await retriedThenDelivered(
      async () => mss.setBehaviour({ hangUp: true }),
      async () => mss.setBehaviour({}),
      (c) => assert.equal(c.lastStatus, null),
    );
  });

  test('a refused connection: retried with growing back-off', async () => {
    await retriedThenDelivered(
      async () =>
        assert.equal(
          (await subscribeAt(t, clock, MSS, 'IF-004', `http://127.0.0.1:${await closedPort()}/mss`)).status,
          201,
        ),
      async () => assert.equal((await subscribeAt(t, clock, MSS, 'IF-004', `${mss.url}/mss`)).status, 201),
      (c) => assert.match(c.lastError ?? '', /refused/),
    );
  });

  for (const code of [429, 503]) {
    test(`${code} with Retry-After: the next attempt waits as long as the recipient asked`, async () => {
      mss.setBehaviour({ failWith: { status: code, times: 1, retryAfterSeconds: 120 } });
      const [m] = await send();
      const first = await copyWhen(t, m!.sur, MSS, tried(1), 'the first attempt');
      assert.ok(
        first.nextAttemptAt - first.lastAttemptAt! >= 120_000,
        `next attempt ${first.nextAttemptAt - first.lastAttemptAt!} ms later`,
      );
      dueNow(t, clock, first);
      assert.equal((await copyWhen(t, m!.sur, MSS, settled, 'delivery')).state, 'delivered');
    });
  }

  test('a recipient down for a while gets every message once it recovers, none twice', async () => {
    mss.setBehaviour({ failWith: { status: 503 } });
    const sent = [...(await send(4)), ...(await send(4))];
    // Seven failed rounds: past the breaker's threshold of five, each later round is its half-open trial.
    for (let round = 1; round <= 7; round++) {
      for (const m of sent) await copyWhen(t, m.sur, MSS, tried(round), `failed round ${round}`);
      clock.advance(20 * MINUTE);
      if (round < 7) t.dip.delivery!.wake();
    }
    mss.setBehaviour({});
    t.dip.delivery!.wake();
    for (const m of sent)
      assert.equal((await copyWhen(t, m.sur, MSS, settled, 'delivery after recovery')).state, 'delivered');
    clock.advance(24 * 60 * MINUTE);
    const [probe] = await send();
    await copyWhen(t, probe!.sur, MSS, settled, 'a later message delivered');
    for (const m of sent)
      assert.equal(mss.messages().filter((e) => txnOf(e) === m.txn).length, 1, `${m.txn} received exactly once`);
  });
});

describe('a recipient that never recovers', () => {
  const clock = manualClock();
  let t: TestDip;
  let dead: Sink;
  let status: Sink;
  before(async () => {
    // 0.01 h = 36 s of retrying, passed on the manual clock.
    t = await startTestDip({ flags: { batchLingerMs: '0', retryHours: '0.01' }, clock });
    dead = await startSink({ trustedCa: [t.pki.ca.certificatePem], behaviour: { failWith: { status: 500 } } });
    status = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
    assert.equal((await subscribeAt(t, clock, MSS, 'IF-004', `${dead.url}/mss`)).status, 201);
    assert.equal((await subscribeAt(t, clock, SUP, 'STATUS', `${status.url}/sup`)).status, 201);
  });
  after(async () => {
    await t?.close();
    await dead?.close();
    await status?.close();
  });

  test('after the retry period the copy is dead-lettered and the sender gets a status message saying so', async () => {
    const batch = if004(t, clock);
    const txn = (await accept(t, clock, SUP, 'IF-004', batch)).json.messageArray[0]!.transactionID!;
    const sur = surOf(batch[0]!);
    const first = await copyWhen(t, sur, MSS, tried(1), 'the first attempt');
    assert.ok(first.nextAttemptAt <= first.firstFailureAt! + 36_000, 'no retry is scheduled beyond the period');
    dueNow(t, clock, first);
    const second = await copyWhen(t, sur, MSS, tried(2), 'a retry within the period');
    assert.equal(second.state, 'pending', 'still retrying inside the period');
    assert.equal(statusesAbout(status, txn).length, 0, 'nothing said while retrying');
    clock.advance(40_000);
    t.dip.delivery!.wake();
    const last = await copyWhen(t, sur, MSS, settled, 'the dead letter');
    assert.deepEqual([last.state, last.attempts, last.lastStatus], ['dead', 3, 500]);
    await status.waitFor((s) => statusesAbout(s, txn).length === 1);
    const notice = statusesAbout(status, txn)[0]!;
    assert.equal(notice.recipientID, SUP);
    assert.equal(notice.senderUniqueReference, sur);
    assert.match(notice.message ?? '', /^MSG\d{4} - /);
    assert.match(notice.help ?? '', new RegExp(`${MSS}.*dead-letter queue`));
    const journal = await t.dip.store.journalOf((await t.dip.store.messageByReference(sur))!.seq);
    assert.ok(journal.some((j) => j.stage === 'Outbound' && j.status === 'RetriesExhausted' && j.recipient === MSS));
    clock.advance(24 * 60 * MINUTE);
    t.dip.delivery!.wake();
    const [probe] = if004(t, clock);
    await accept(t, clock, SUP, 'IF-004', [probe]);
    await copyWhen(t, surOf(probe!), MSS, tried(1), 'a later message tried');
    assert.equal((await copiesOf(t, sur))[0]!.attempts, 3, 'a dead letter is not tried again');
  });
});

describe('a dead recipient next to a healthy one', () => {
  const clock = manualClock();
  let t: TestDip;
  let healthy: Sink;
  let hung: Awaited<ReturnType<typeof unresponsive>>;
  before(async () => {
    t = await startTestDip({ flags: { batchLingerMs: '0' }, clock });
    healthy = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
    hung = await unresponsive();
    assert.equal((await subscribeAt(t, clock, MSS, 'IF-004', `${healthy.url}/mss`)).status, 201);
    assert.equal((await subscribeAt(t, clock, SUP2, 'IF-004', `${hung.url}/sup2`)).status, 201);
  });
  after(async () => {
    await hung?.close();
    await t?.close();
    await healthy?.close();
  });

  test('the healthy copy arrives while the dead endpoint fails, and its breaker stops calling it', async () => {
    const send = async () => {
      const batch = if004(t, clock, [MSS, SUP2]);
      await accept(t, clock, SUP, 'IF-004', batch);
      return surOf(batch[0]!);
    };
    const first = await send();
    await copyWhen(t, first, MSS, (c) => c.state === 'delivered', 'the healthy copy delivered');
    await until(() => hung.received() === 1, 'the call to the dead endpoint');
    const stuck = (await copiesOf(t, first)).find((c) => c.recipientId === SUP2)!;
    assert.equal(stuck.attempts, 0, 'delivered while the call to the dead endpoint was still unanswered');
    hung.dropAll();
    let copy = await copyWhen(t, first, SUP2, tried(1), 'the hung call failing');
    for (let n = 2; n <= 5; n++) {
      dueNow(t, clock, copy);
      copy = await copyWhen(t, first, SUP2, tried(n), `failure ${n}`);
    }
    assert.equal(hung.received(), 5);
    // Five failures in a row open the breaker for 5 s; the old copy's next retry is later than that.
    assert.ok(copy.nextAttemptAt - clock.now() > 5_000);
    const second = await send();
    await copyWhen(t, second, MSS, (c) => c.state === 'delivered', 'the next healthy copy delivered');
    assert.equal(hung.received(), 5, 'the open breaker kept the new copy from the dead endpoint');
    assert.equal((await copiesOf(t, second)).find((c) => c.recipientId === SUP2)!.attempts, 0);
    clock.advance(5_001);
    t.dip.delivery!.wake();
    await copyWhen(t, second, SUP2, tried(1), 'the half-open trial');
    assert.equal(hung.received(), 6, 'one trial call once the open period is over');
  });
});

describe('waiting for a webhook, and packing calls', () => {
  const clock = manualClock();
  let t: TestDip;
  let sink: Sink;
  before(async () => {
    t = await startTestDip({ flags: { batchLingerMs: '0' }, clock });
    sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  });
  after(async () => {
    await t?.close();
    await sink?.close();
  });

  test('copies for a recipient with no webhook wait, and are delivered once it registers one', async () => {
    const batch = if004(t, clock, [MSS], 3);
    await accept(t, clock, SUP, 'IF-004', batch);
    t.dip.delivery!.wake();
    // A delivered copy to another endpoint shows the engine has run meanwhile.
    assert.equal((await subscribeAt(t, clock, SUP2, 'IF-004', `${sink.url}/sup2`)).status, 201);
    const [other] = if004(t, clock, [SUP2]);
    await accept(t, clock, SUP, 'IF-004', [other]);
    await copyWhen(t, surOf(other!), SUP2, settled, 'the other endpoint served');
    for (const m of batch) assert.deepEqual((await copiesOf(t, surOf(m)))[0]!.attempts, 0);
    assert.equal(callsTo(sink, '/mss').length, 0);
    assert.equal((await subscribeAt(t, clock, MSS, 'IF-004', `${sink.url}/mss`)).status, 201);
    for (const m of batch)
      assert.equal((await copyWhen(t, surOf(m), MSS, settled, 'delivery after registering')).state, 'delivered');
    assert.deepEqual(callsTo(sink, '/mss').flatMap((c) => c.items.map(txnOf)).length, 3);
  });

  test('25 messages to a webhook taking 10 per call arrive as calls of 10, 10 and 5, in order', async () => {
    assert.equal(
      (await subscribeAt(t, clock, SUP2, 'IF-004', `${sink.url}/count`, { maxMessageCount: 10 })).status,
      201,
    );
    const r = await accept(t, clock, SUP, 'IF-004', if004(t, clock, [SUP2], 25));
    const txns = r.json.messageArray.map((i) => i.transactionID!);
    await sink.waitFor((s) => callsTo(s, '/count').reduce((n, c) => n + c.itemCount, 0) === 25);
    const calls = callsTo(sink, '/count');
    assert.deepEqual(
      calls.map((c) => c.itemCount),
      [10, 10, 5],
    );
    assert.deepEqual(
      calls.flatMap((c) => c.items.map(txnOf)),
      txns,
    );
  });

  test('maxPayloadSize (KB) bounds every call; a message larger than the limit goes alone', async () => {
    // S1.subText (up to 500 characters) makes each egress message about 1.3 KB: two fit in 3 KB, three do not.
    const padded = (count: number) =>
      if004(t, clock, [SUP2], count).map((m) => {
        (m.payload.CommonBlock as { S1: { subText: string } }).S1.subText = 'x'.repeat(300);
        return m;
      });
    assert.equal((await subscribeAt(t, clock, SUP2, 'IF-004', `${sink.url}/kb1`, { maxPayloadSize: 1 })).status, 201);
    await accept(t, clock, SUP, 'IF-004', padded(3));
    await sink.waitFor((s) => callsTo(s, '/kb1').length === 3);
    const alone = callsTo(sink, '/kb1');
    assert.deepEqual(
      alone.map((c) => c.itemCount),
      [1, 1, 1],
    );
    const sizes = alone.map((c) => Number(c.headers['content-length']));
    assert.ok(
      sizes.every((n) => n > 1024 && n < 1500),
      `oversized calls of ${sizes.join(', ')} bytes`,
    );

    assert.equal((await subscribeAt(t, clock, SUP2, 'IF-004', `${sink.url}/kb3`, { maxPayloadSize: 3 })).status, 201);
    await accept(t, clock, SUP, 'IF-004', padded(9));
    await sink.waitFor((s) => callsTo(s, '/kb3').reduce((n, c) => n + c.itemCount, 0) === 9);
    const calls = callsTo(sink, '/kb3');
    for (const c of calls)
      assert.ok(Number(c.headers['content-length']) <= 3 * 1024, `a call of ${c.headers['content-length']} bytes`);
    assert.deepEqual(
      calls.map((c) => c.itemCount),
      [2, 2, 2, 2, 1],
    );
  });
});
