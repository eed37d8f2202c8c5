/**
 * The operator's release and endpoint view end to end, on a clock the test moves: a release tells the sender
 * as a dead letter would and the copy is never delivered; a copy waiting for a webhook past the notice setting
 * tells its sender once; the endpoint listing shows a breaker that failures opened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StandardResponseItem } from '../../src/domain/responses.js';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import {
  accept,
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
  until,
} from './delivery-support.js';

const OPERATOR = '9000000001';
const MINUTE = 60_000;

describe('the operator’s release and endpoints', () => {
  const clock = manualClock();
  let t: TestDip;
  let sink: Sink;
  let failing: Sink;
  before(async () => {
    t = await startTestDip({ flags: { batchLingerMs: '0', waitingNoticeMinutes: '30' }, clock });
    const ca = [t.pki.ca.certificatePem];
    [sink, failing] = await Promise.all([
      startSink({ trustedCa: ca }),
      startSink({ trustedCa: ca, behaviour: { failWith: { status: 503 } } }),
    ]);
    assert.equal((await subscribeAt(t, clock, MSS, 'IF-004', `${sink.url}/mss`)).status, 201);
    assert.equal((await subscribeAt(t, clock, SUP, 'STATUS', `${sink.url}/status`)).status, 201);
  });
  after(async () => {
    await t?.close();
    await Promise.all([sink, failing].map((s) => s?.close()));
  });

  const admin = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> =>
    t.send({
      as: OPERATOR,
      method,
      channel: 'ADMIN',
      path: `/1.1${path}`,
      body,
      date: new Date(clock.now()).toISOString(),
    });
  const noticesOf = (txn: string): StandardResponseItem[] =>
    statusesAbout(sink, txn).filter((s) => s.senderID !== MSS && /not delivered to/.test(s.help ?? ''));

  test('a release tells the sender as a dead letter would, and the released copy is never delivered', async () => {
    sink.setBehaviour({ failWith: { status: 404, times: 1_000 } });
    const batch = if004(t, clock, [MSS], 2);
    const txns = (await accept(t, clock, SUP, 'IF-004', batch)).json.messageArray.map((i) => i.transactionID!);
    for (const m of batch) await copyWhen(t, surOf(m), MSS, (c) => c.state === 'held', 'held');
    sink.setBehaviour({});

    const released = await admin('POST', '/admin/deliveries/release', { recipient: MSS, channel: 'IF-004' });
    assert.equal(released.status, 200, released.text);
    assert.deepEqual(JSON.parse(released.text), { released: 2, more: false });
    for (const txn of txns) await until(() => noticesOf(txn).length === 1, `the sender told about ${txn}`);
    const [notice] = noticesOf(txns[0]!);
    assert.match(notice!.message!, /^MSG1000 /);
    assert.match(
      notice!.help!,
      new RegExp(`not delivered to ${MSS} \\(MSS\\): the DIP's operator ${OPERATOR} gave up`),
    );
    for (const m of batch) assert.equal((await copiesOf(t, surOf(m)))[0]!.state, 'dead');
    const journal = await t.dip.store.journalOfReference(surOf(batch[0]!));
    assert.ok(journal.some((e) => e.status === 'Released' && e.reason === `released by operator ${OPERATOR}`));

    const again = await admin('POST', '/admin/deliveries/release', { recipient: MSS });
    assert.deepEqual(JSON.parse(again.text), { released: 0, more: false }, 'nothing left to release');
    const [later] = if004(t, clock, [MSS], 1);
    await accept(t, clock, SUP, 'IF-004', [later]);
    await copyWhen(t, surOf(later!), MSS, (c) => c.state === 'delivered', 'a later message delivered');
    const delivered = new Set(sink.messages().map(txnOf));
    assert.ok(
      txns.every((txn) => !delivered.has(txn)),
      'the released copies were not delivered',
    );
    for (const txn of txns) assert.equal(noticesOf(txn).length, 1, 'one notice per copy');
  });

  test('a release refuses a filter without a recipient, and an unknown state', async () => {
    const r = await admin('POST', '/admin/deliveries/release', { channel: 'IF-004' });
    assert.equal(r.status, 400);
    assert.match(r.json.messageArray[0]!.help!, /names at least its recipient/);
    const s = await admin('POST', '/admin/deliveries/release', { recipient: MSS, state: 'dead' });
    assert.equal(s.status, 400);
    assert.match(s.json.messageArray[0]!.help!, /state must be one of held, pending, waiting/);
  });

  test('a copy waiting for a webhook past the notice setting tells its sender once', async () => {
    const [m] = if004(t, clock, [SUP2], 1);
    const txn = (await accept(t, clock, SUP, 'IF-004', [m])).json.messageArray[0]!.transactionID!;
    const seq = (await t.dip.store.messageByReference(surOf(m!)))!.seq;
    await until(async () => {
      const r = await admin('GET', `/admin/deliveries/count?state=waiting&recipient=${SUP2}`);
      return JSON.parse(r.text).count === 1;
    }, 'the copy waiting for a webhook');
    await t.dip.housekeeping!.runOnce();
    assert.equal((await t.dip.store.statusMessagesOf(seq)).length, 0, 'not yet: it has waited no time');

    clock.advance(31 * MINUTE);
    await t.dip.housekeeping!.runOnce();
    await until(() => noticesOf(txn).length === 1, 'the sender told of the waiting copy');
    const [notice] = noticesOf(txn);
    assert.match(notice!.message!, /^MSG1000 /);
    assert.match(
      notice!.help!,
      new RegExp(
        `not delivered to ${SUP2} \\(SUP\\) for more than 30 minutes: it has no webhook configured for IF-004`,
      ),
    );
    const journal = await t.dip.store.journalOfReference(surOf(m!));
    assert.equal(journal.filter((e) => e.status === 'WaitingForWebhook').length, 1);

    clock.advance(31 * MINUTE);
    await t.dip.housekeeping!.runOnce();
    await t.dip.housekeeping!.runOnce();
    assert.equal((await t.dip.store.statusMessagesOf(seq)).length, 1, 'told once, however long it waits');
    const listed = await admin('GET', `/admin/endpoints?recipient=${SUP2}&channel=IF-004`);
    assert.deepEqual(
      (JSON.parse(listed.text) as { endpoints: Record<string, unknown>[] }).endpoints.map((e) => [
        e.webhook,
        e.waiting,
        e.pending,
        e.nextAttemptAt,
      ]),
      [[false, true, 1, null]],
    );
    assert.equal((await copiesOf(t, surOf(m!)))[0]!.state, 'pending', 'the copy is kept for when a webhook comes');
  });

  test('the endpoint listing shows the breaker that repeated failures opened', async () => {
    assert.equal((await subscribeAt(t, clock, MSS, 'IF-004', `${failing.url}/mss`)).status, 201);
    const [m] = if004(t, clock, [MSS], 1);
    await accept(t, clock, SUP, 'IF-004', [m]);
    for (let n = 1; n <= 5; n++) {
      await copyWhen(t, surOf(m!), MSS, (c) => c.attempts >= n, `failure ${n}`);
      if (n < 5) {
        clock.advance(20 * MINUTE);
        t.dip.delivery!.wake();
      }
    }
    const r = await admin('GET', `/admin/endpoints?recipient=${MSS}&breaker=open`);
    assert.equal(r.status, 200, r.text);
    const { endpoints, next } = JSON.parse(r.text) as { endpoints: Record<string, unknown>[]; next: string | null };
    assert.equal(next, null);
    assert.deepEqual(
      endpoints.map((e) => [
        e.recipientId,
        e.channel,
        e.role,
        e.breaker,
        e.webhook,
        e.waiting,
        e.pending,
        e.lastStatus,
      ]),
      [[MSS, 'IF-004', 'MSS', 'open', true, false, 1, 503]],
    );
    const closed = await admin('GET', `/admin/endpoints?recipient=${SUP}&breaker=closed`);
    assert.deepEqual(
      (JSON.parse(closed.text) as { endpoints: { channel: string }[] }).endpoints.map((e) => e.channel),
      ['STATUS'],
      'the sender’s status endpoint, delivering',
    );
    const bad = await admin('GET', '/admin/endpoints?breaker=broken');
    assert.equal(bad.status, 400);
    assert.match(bad.json.messageArray[0]!.help!, /breaker must be one of closed, open, half-open/);
  });
});
