/** The metrics' own rules: breaker bookkeeping, merging two threads' registries, and readiness. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeReadiness } from '../../src/domain/health.js';
import type { AttemptObservation } from '../../src/domain/observe.js';
import { createApiMetrics, createDeliveryMetrics } from '../../src/metrics/metrics.js';
import { startQueueSampler, type QueueSample } from '../../src/metrics/queue-gauges.js';
import { scrapeText } from '../../src/metrics/scrape.js';
import { parseMetrics, total } from '../helpers/metrics.js';

const attempt = (over: Partial<AttemptObservation>): AttemptObservation => ({
  channel: 'IF-021',
  role: 'SUP',
  status: 503,
  error: null,
  messages: 2,
  bytes: 100,
  outcomes: { retrying: 2 },
  deliveredAfter: [],
  breaker: { before: 'closed', after: 'closed' },
  endpointKey: 'a',
  ...over,
});

test('open endpoints are counted per channel while open, and breaker changes by the state entered', async () => {
  const m = createDeliveryMetrics();
  try {
    m.delivery.attempt(attempt({ endpointKey: 'a', breaker: { before: 'closed', after: 'open' } }));
    m.delivery.attempt(attempt({ endpointKey: 'b', breaker: { before: 'closed', after: 'open' } }));
    m.delivery.attempt(attempt({ endpointKey: 'c', channel: 'IF-005', breaker: { before: 'closed', after: 'open' } }));
    let s = parseMetrics(await m.registry.metrics());
    assert.equal(total(s, 'opendip_breaker_open_endpoints', { channel: 'IF-021' }), 2);
    assert.equal(total(s, 'opendip_breaker_open_endpoints', { channel: 'IF-005' }), 1);
    m.delivery.attempt(
      attempt({
        endpointKey: 'a',
        status: 201,
        outcomes: { delivered: 2 },
        deliveredAfter: [0.5, 1.5],
        breaker: { before: 'open', after: 'closed' },
      }),
    );
    s = parseMetrics(await m.registry.metrics());
    assert.equal(total(s, 'opendip_breaker_open_endpoints', { channel: 'IF-021' }), 1);
    assert.equal(total(s, 'opendip_breaker_transitions_total', { channel: 'IF-021', state: 'open' }), 2);
    assert.equal(total(s, 'opendip_breaker_transitions_total', { channel: 'IF-021', state: 'closed' }), 1);
    assert.equal(total(s, 'opendip_delivery_latency_seconds_sum', { channel: 'IF-021' }), 2);
    assert.equal(total(s, 'opendip_delivery_attempts_total', { status: '503' }), 3);
  } finally {
    m.stop();
  }
});

test('a call without an HTTP answer is counted by what went wrong', async () => {
  const m = createDeliveryMetrics();
  try {
    m.delivery.attempt(attempt({ status: null, error: 'timeout' }));
    const s = parseMetrics(await m.registry.metrics());
    assert.equal(total(s, 'opendip_delivery_attempts_total', { channel: 'IF-021', status: 'timeout' }), 1);
  } finally {
    m.stop();
  }
});

test("the scrape adds the delivery thread's counts to the API thread's", async () => {
  const api = createApiMetrics(async () => 2_500);
  const thread = createDeliveryMetrics();
  try {
    api.delivery.attempt(attempt({ status: 201, outcomes: { delivered: 2 } }));
    thread.delivery.attempt(attempt({ status: 201, outcomes: { delivered: 3 } }));
    const s = parseMetrics(await scrapeText([await api.json(), await thread.json()]));
    assert.equal(total(s, 'opendip_delivery_copies_total', { channel: 'IF-021', state: 'delivered' }), 5);
    assert.equal(total(s, 'opendip_delivery_attempts_total', { status: '201' }), 2);
    assert.equal(total(s, 'opendip_delivery_overdue_seconds'), 2.5);
    assert.deepEqual(
      s
        .filter((x) => x.name === 'opendip_event_loop_lag_seconds' && x.labels.quantile === '1')
        .map((x) => x.labels.thread),
      ['api', 'delivery'],
    );
  } finally {
    api.stop();
    thread.stop();
  }
});

test('readiness fails with a reason for each failed check, and overdue delivery only when a limit is set', () => {
  const ok = { storeError: null, migrationsBehind: 0, deliveryThreadAlive: true, overdueMs: 90_000, maxOverdueMs: 0 };
  assert.equal(judgeReadiness(ok).ready, true);
  const late = judgeReadiness({ ...ok, maxOverdueMs: 60_000 });
  assert.equal(late.ready, false);
  assert.match(late.reasons[0]!, /90 s overdue, more than the 60 s allowed/);
  const behind = judgeReadiness({ ...ok, migrationsBehind: 2 });
  assert.deepEqual([behind.ready, behind.checks.migrations], [false, false]);
  assert.match(behind.reasons[0]!, /lacks 2 migration/);
  const dead = judgeReadiness({ ...ok, deliveryThreadAlive: false, storeError: 'connection refused' });
  assert.equal(dead.reasons.length, 2);
  assert.equal(judgeReadiness({ ...ok, deliveryThreadAlive: null }).ready, true, 'a process that does not deliver');
});

test('the backlog age gauge shows each channel from the last sample, and a drained channel leaves it', async () => {
  const { registry } = createApiMetrics(async () => 0);
  const copies = { pending: 3, waiting: 0, held: 0, dead: 0 };
  const samples: QueueSample[] = [
    { copies, waitingPastNotice: 0, overdueByChannel: [{ channel: 'IF-004', overdueMs: 0 }] },
    {
      copies,
      waitingPastNotice: 0,
      overdueByChannel: [
        { channel: 'IF-004', overdueMs: 90_000 },
        { channel: 'STATUS', overdueMs: 1_500 },
      ],
    },
    { copies, waitingPastNotice: 0, overdueByChannel: [{ channel: 'STATUS', overdueMs: 2_000 }] },
  ];
  let n = 0;
  const sampler = startQueueSampler(registry, async () => samples[Math.min(n++, samples.length - 1)]!, {
    intervalMs: 3_600_000,
    onError: (e) => assert.fail(String(e)),
  });
  const age = async (channel: string) =>
    parseMetrics(await registry.metrics()).find(
      (m) => m.name === 'opendip_backlog_age_seconds' && m.labels.channel === channel,
    )?.value;
  // The sampler takes its first sample (IF-004 waiting, not yet overdue) as it starts; each call takes the next.
  await sampler.sampleNow();
  assert.equal(await age('IF-004'), 90);
  assert.equal(await age('STATUS'), 1.5);
  await sampler.sampleNow();
  assert.equal(await age('IF-004'), undefined, 'a channel with nothing waiting is no longer shown');
  assert.equal(await age('STATUS'), 2);
  await sampler.stop();
});
