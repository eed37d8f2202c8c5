/**
 * /metrics and the health checks of a running DIP, over real sockets: after real traffic (a batch sent,
 * delivered by the delivery thread to a webhook sink, a duplicate refused) the counters moved with the
 * right labels, and no label carries a participant id; readiness turns to 503 when the store is gone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_PARTICIPANTS } from '../../src/demo/market.js';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import type { QueueState } from '../../src/domain/queue.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { get, parseMetrics, total, until } from '../helpers/metrics.js';

const MSS = '1300000001';
const SUP = '1000000001';
const REGS = '1100000001';
const LDSO = '1600000001';
const MPAN = '1900000000013';
const LABELS = new Set(['channel', 'role', 'code', 'state', 'status', 'thread', 'kind', 'quantile', 'le', 'operation']);

let t: TestDip;
let sink: Sink;
before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  await t.appoint(MPAN, 'REGS', REGS);
  assert.equal((await t.subscribe(REGS, 'IF-005', `${sink.url}/${REGS}`)).status, 201);
});
after(async () => {
  await t.close();
  await sink.close();
});

const install = () =>
  t.message({
    channel: 'IF-005',
    sender: MSS,
    role: 'MSS',
    mpan: MPAN,
    distributor: LDSO,
    eventCode: '[MeterInstall]',
  });
const scrape = async () => parseMetrics((await get(`${t.origin}/metrics`)).text);

test('a batch sent and delivered by the delivery thread moves the send and delivery metrics, by channel and code', async () => {
  const batch = [install(), install(), install()];
  const sent = await t.send({ as: MSS, channel: 'IF-005', body: batch, transport: 'socket' });
  assert.equal(sent.status, 201, sent.text);
  const again = await t.send({ as: MSS, channel: 'IF-005', body: [batch[0]], transport: 'socket' });
  assert.equal(again.status, 400, again.text);
  await sink.waitFor(() => sink.calls().flatMap((c) => (c.status === 201 ? c.items : [])).length === 3);

  // The delivery thread records after the webhook answers: the scrape sees it once recorded.
  await until('the delivery thread reports its deliveries', async () => {
    const s = await scrape();
    return total(s, 'opendip_delivery_copies_total', { channel: 'IF-005', state: 'delivered' }) === 3;
  });
  const res = await get(`${t.origin}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.type, /^text\/plain; version=0\.0\.4/);
  const s = parseMetrics(res.text);
  assert.equal(total(s, 'opendip_send_requests_total', { channel: 'IF-005', status: '201' }), 1);
  assert.equal(total(s, 'opendip_send_requests_total', { channel: 'IF-005', status: '400' }), 1);
  assert.equal(total(s, 'opendip_send_messages_total', { channel: 'IF-005', code: 'MSG0000' }), 3);
  assert.equal(total(s, 'opendip_send_messages_total', { channel: 'IF-005', code: 'MSG1006' }), 1, 'the duplicate');
  assert.equal(total(s, 'opendip_send_request_messages_count', { channel: 'IF-005' }), 2);
  assert.equal(total(s, 'opendip_send_request_messages_sum', { channel: 'IF-005' }), 4);
  assert.equal(total(s, 'opendip_send_duration_seconds_count', { channel: 'IF-005' }), 2);
  assert.ok(total(s, 'opendip_send_request_bytes_sum', { channel: 'IF-005' }) > 0);
  const calls = total(s, 'opendip_delivery_attempts_total', { channel: 'IF-005', status: '201' });
  assert.ok(calls >= 1 && calls <= 3, `webhook calls: ${calls}`);
  assert.equal(total(s, 'opendip_delivery_batch_messages_sum', { channel: 'IF-005' }), 3);
  assert.equal(total(s, 'opendip_delivery_copies_total', { channel: 'IF-005', role: 'REGS', state: 'delivered' }), 3);
  assert.equal(total(s, 'opendip_delivery_latency_seconds_count', { channel: 'IF-005' }), 3);
  assert.equal(total(s, 'opendip_delivery_copies_total', { state: 'dead' }), 0);
  assert.ok(
    total(s, 'opendip_store_operation_seconds_count', { operation: 'claimDueEndpoints' }) >= 1,
    'the delivery thread times its own store: only it claims endpoints here',
  );
  assert.ok(s.some((x) => x.name === 'opendip_event_loop_lag_seconds' && x.labels.thread === 'delivery'));
  assert.ok(s.some((x) => x.name === 'opendip_event_loop_lag_seconds' && x.labels.thread === 'api'));
  assert.equal(total(s, 'opendip_delivery_overdue_seconds'), 0);
});

test('the queue gauges count copies by state from a background sample; store operations are timed by name', async () => {
  // The metering service has no IF-004 webhook here: its copy waits for one.
  const batch = t.batch({ channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: [MSS] }, 1);
  const sent = await t.send({ as: SUP, channel: 'IF-004', body: batch, transport: 'socket' });
  assert.equal(sent.status, 201, sent.text);
  const all = (state: QueueState) => ({ state, recipientId: null, role: null, channel: null, createdBefore: null });
  await until('a copy waits for the metering service’s webhook', async () => {
    return (await t.dip.store.countQueue(all('waiting'), 10)) > 0;
  });
  await t.dip.queueSampler.sampleNow();
  const s = await scrape();
  for (const state of ['waiting', 'held', 'dead'] as const) {
    assert.equal(
      total(s, 'opendip_queue_copies', { state }),
      await t.dip.store.countQueue(all(state), 100_000),
      `${state} copies`,
    );
  }
  assert.ok(total(s, 'opendip_queue_copies', { state: 'waiting' }) > 0);
  assert.equal(total(s, 'opendip_queue_waiting_past_notice_copies'), 0, 'none has waited the default day');
  assert.ok(total(s, 'opendip_store_operation_seconds_count', { operation: 'acceptBatch' }) >= 1);
  assert.ok(total(s, 'opendip_store_operation_seconds_count', { operation: 'countQueue' }) >= 4, 'the sample’s own');
});

test('no label names a participant, and labels are only the bounded ones', async () => {
  const s = await scrape();
  assert.ok(s.length > 0);
  const ids = new Set(DEMO_PARTICIPANTS.map((p) => p.dipId));
  for (const x of s) {
    for (const [k, v] of Object.entries(x.labels)) {
      assert.ok(LABELS.has(k), `${x.name} has label ${k}`);
      assert.ok(!ids.has(v) && !/^\d{10}$/.test(v), `${x.name}{${k}="${v}"} names a participant`);
    }
  }
});

test('the same answers through inject; scrapes and probes are not audited as calls', async () => {
  const res = await t.dip.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.ok(total(parseMetrics(res.body), 'opendip_send_requests_total') >= 2);
  assert.equal((await t.dip.app.inject({ method: 'GET', url: '/health/live' })).json().status, 'live');
  await get(`${t.origin}/health/ready`);
  await t.dip.callLog.flush();
  const paths = (await t.dip.store.recentCalls(100)).map((c) => c.path);
  assert.ok(
    paths.some((p) => p.includes('/dip-channel/IF-005')),
    paths.join(),
  );
  assert.ok(!paths.some((p) => /health|metrics/.test(p)), paths.join());
});

test('a path naming no channel is counted as unknown, not as what it says', async () => {
  const r = await t.send({ as: MSS, channel: 'IF-999', body: [], transport: 'socket' });
  assert.equal(r.status, 404);
  const s = await scrape();
  assert.equal(total(s, 'opendip_send_requests_total', { channel: 'unknown', status: '404' }), 1);
  assert.ok(!s.some((x) => x.labels.channel === 'IF-999'));
});

test('a webhook that fails once, then rejects, moves attempts by status and copies by state; replay and requeue count what they move', async () => {
  const before = await scrape();
  const delta = (s: typeof before, name: string, labels: Record<string, string>) =>
    total(s, name, labels) - total(before, name, labels);
  sink.setBehaviour({ failWith: { status: 503, times: 1, retryAfterSeconds: 0 } });
  const first = await t.send({ as: MSS, channel: 'IF-005', body: [install()], transport: 'socket' });
  assert.equal(first.status, 201, first.text);
  await until('the retried copy is delivered', async () => {
    const s = await scrape();
    return delta(s, 'opendip_delivery_copies_total', { channel: 'IF-005', state: 'delivered' }) === 1;
  });
  let s = await scrape();
  assert.equal(delta(s, 'opendip_delivery_attempts_total', { channel: 'IF-005', status: '503' }), 1);
  assert.equal(delta(s, 'opendip_delivery_copies_total', { channel: 'IF-005', role: 'REGS', state: 'retrying' }), 1);

  sink.setBehaviour({ reject: { code: 'RCP0002' } });
  const second = await t.send({ as: MSS, channel: 'IF-005', body: [install()], transport: 'socket' });
  assert.equal(second.status, 201, second.text);
  await until('the copy is rejected by the webhook', async () => {
    s = await scrape();
    return delta(s, 'opendip_delivery_copies_total', { channel: 'IF-005', role: 'REGS', state: 'rejected' }) === 1;
  });
  sink.setBehaviour({});

  const filter = { datetimeFrom: null, datetimeTo: null, eventCode: null, MPAN: null, version: null };
  const replayed = await t.send({
    as: REGS,
    channel: 'IF-005',
    path: `/1.1/dip-channel/IF-005/replay/${REGS}`,
    body: filter,
    transport: 'socket',
  });
  assert.equal(replayed.status, 200, replayed.text.slice(0, 300));
  const count = (JSON.parse(replayed.text) as unknown[]).length;
  assert.ok(count >= 5, `replayed ${count}`);
  const requeued = await t.send({
    as: REGS,
    channel: 'IF-005',
    path: `/1.1/dip-channel/IF-005/requeue/${REGS}`,
    body: filter,
    transport: 'socket',
  });
  assert.equal(requeued.status, 202, requeued.text);
  s = await scrape();
  assert.equal(delta(s, 'opendip_replay_messages_total', { channel: 'IF-005' }), count);
  assert.equal(delta(s, 'opendip_requeue_copies_total', { channel: 'IF-005' }), count);
});

test('live and ready answer 200; ready answers 503 with the reason once the store is closed', async () => {
  const own = await startTestDip({ market: false });
  try {
    const live = await get(`${own.origin}/health/live`);
    assert.equal(live.status, 200);
    const ready = await get(`${own.origin}/health/ready`);
    assert.equal(ready.status, 200, ready.text);
    const body = JSON.parse(ready.text) as { status: string; checks: Record<string, unknown> };
    assert.equal(body.status, 'ready');
    assert.deepEqual(body.checks, { store: true, migrations: true, deliveryThread: true, overdueSeconds: 0 });
    assert.equal((await get(`${own.origin}/health`)).status, 200, 'the old /health still answers');

    await own.dip.store.close();
    const down = await get(`${own.origin}/health/ready`);
    assert.equal(down.status, 503);
    const reason = JSON.parse(down.text) as { status: string; reasons: string[]; checks: { store: boolean } };
    assert.equal(reason.status, 'unready');
    assert.equal(reason.checks.store, false);
    assert.match(reason.reasons.join(), /the store does not answer: .*not open/);
    assert.equal((await get(`${own.origin}/health/live`)).status, 200, 'the process still runs');
  } finally {
    await own.close().catch(() => undefined);
  }
});
