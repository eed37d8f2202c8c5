/**
 * Pause and resume (the controlled upgrade outage, seed §8.5.2) end to end: paused ingress answers 503 with
 * Retry-After and stores nothing, while reads keep working and readiness says why; a paused endpoint's
 * copies wait, pending, while other endpoints are served, and are delivered after the resume; a pause
 * survives a restart of the DIP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { get, parseMetrics, total } from '../helpers/metrics.js';
import { callsTo, copiesOf, copyWhen, MSS, SUP, SUP2, surOf } from './delivery-support.js';

const OPERATOR = '9000000001';

describe('pause and resume', () => {
  let t: TestDip;
  let mss: Sink;
  let sup2: Sink;
  before(async () => {
    t = await startTestDip({ flags: { batchLingerMs: '0' } });
    mss = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
    sup2 = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
    assert.equal((await t.subscribe(MSS, 'IF-004', `${mss.url}/mss`)).status, 201);
    assert.equal((await t.subscribe(SUP2, 'IF-004', `${sup2.url}/sup2`)).status, 201);
  });
  after(async () => {
    await t?.close();
    await mss?.close();
    await sup2?.close();
  });

  const admin = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> =>
    t.send({ as: OPERATOR, method, channel: 'ADMIN', path: `/1.1/admin${path}`, body, transport: 'socket' });
  const if004 = (to: string[], n = 2) =>
    t.batch({ channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: to }, n);
  const pausedGauge = async (kind: string): Promise<number> =>
    total(parseMetrics((await get(`${t.origin}/metrics`)).text), 'opendip_paused', { kind });

  test('paused ingress answers 503 with Retry-After and stores nothing; reads work; resumed, it accepts', async () => {
    const paused = await admin('POST', '/pause', {
      ingress: true,
      channel: 'if-004',
      retryAfter: 120,
      reason: 'upgrade to 2.2',
    });
    assert.equal(paused.status, 200, paused.text);
    assert.equal(JSON.parse(paused.text).paused.scope, 'ingress on IF-004');

    const batch = if004([MSS]);
    const before = await t.dip.store.countMessages('IF-004');
    const refused = await t.send({ as: SUP, channel: 'IF-004', body: batch, transport: 'socket' });
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.headers['retry-after'], '120');
    const [item] = refused.json.messageArray;
    assert.match(item!.message!, /^MSG1000 - /);
    assert.match(item!.help!, /paused ingress on IF-004 \(upgrade to 2\.2\).*send it again after 120 s/);
    assert.equal(await t.dip.store.countMessages('IF-004'), before, 'nothing archived');
    assert.equal(await t.dip.store.messageByReference(surOf(batch[0]!)), null);

    const calls = await t.send({
      as: SUP,
      method: 'GET',
      channel: 'AUDIT',
      path: '/1.1/audit/calls',
      body: undefined,
      transport: 'socket',
    });
    assert.equal(calls.status, 200, 'audit reads keep working');
    const ready = await get(`${t.origin}/health/ready`);
    assert.equal(ready.status, 503);
    assert.ok(
      (JSON.parse(ready.text) as { reasons: string[] }).reasons.includes(
        'an operator paused ingress on IF-004 (upgrade to 2.2)',
      ),
      ready.text,
    );
    assert.equal(await pausedGauge('ingress'), 1);
    const listed = JSON.parse((await admin('GET', '/pauses')).text) as {
      pauses: { scope: string; pausedBy: string }[];
    };
    assert.deepEqual(
      listed.pauses.map((p) => [p.scope, p.pausedBy]),
      [['ingress on IF-004', OPERATOR]],
    );

    const resumed = await admin('POST', '/resume', { ingress: true, channel: 'IF-004', reason: 'done' });
    assert.equal(resumed.status, 200, resumed.text);
    assert.equal((await admin('POST', '/resume', { ingress: true, channel: 'IF-004' })).status, 404);
    assert.equal((await t.send({ as: SUP, channel: 'IF-004', body: batch })).status, 201, 'the same batch, accepted');
    assert.equal((await get(`${t.origin}/health/ready`)).status, 200);
    assert.equal(await pausedGauge('ingress'), 0);
    await t.dip.callLog.flush();
    const audited = (await t.dip.store.recentCalls(200)).map((c) => c.outcome);
    assert.ok(audited.includes('paused ingress on IF-004: upgrade to 2.2'), 'the pause is audited');
    assert.ok(audited.includes('resumed ingress on IF-004: done'), 'the resume is audited');
  });

  test('a pause of every channel uses the DIP setting for Retry-After', async () => {
    assert.equal((await admin('POST', '/pause', { ingress: true })).status, 200);
    const refused = await t.send({ as: SUP, channel: 'IF-004', body: if004([MSS], 1) });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '300');
    assert.equal((await admin('POST', '/resume', { ingress: true })).status, 200);
  });

  test('a paused endpoint keeps its copies pending while others are served, and gets them after the resume', async () => {
    const scope = { delivery: true, channel: 'IF-004', recipient: MSS, role: 'MSS' };
    assert.equal((await admin('POST', '/pause', { ...scope, reason: 'MSS upgrade' })).status, 200);
    assert.equal(await pausedGauge('delivery'), 1);
    const mssCalls = callsTo(mss, '/mss').length;
    const batch = if004([MSS, SUP2]);
    assert.equal((await t.send({ as: SUP, channel: 'IF-004', body: batch })).status, 201, 'ingress is not paused');
    // SUP2's endpoint fell due with MSS's: once its copies are delivered, the engine has passed MSS's by.
    for (const m of batch) await copyWhen(t, surOf(m), SUP2, (c) => c.state === 'delivered', 'delivered to SUP2');
    for (const m of batch) {
      const copy = (await copiesOf(t, surOf(m))).find((c) => c.recipientId === MSS)!;
      assert.equal(copy.state, 'pending');
      assert.equal(copy.attempts, 0, 'never tried');
    }
    assert.equal(callsTo(mss, '/mss').length, mssCalls, 'the paused webhook was not called');

    const resumed = await admin('POST', '/resume', scope);
    assert.equal(resumed.status, 200, resumed.text);
    for (const m of batch) await copyWhen(t, surOf(m), MSS, (c) => c.state === 'delivered', 'delivered after resume');
    assert.ok(callsTo(mss, '/mss').length > mssCalls);
  });

  test('bodies the pause routes do not understand are refused, saying what is wrong', async () => {
    const cases: [unknown, RegExp][] = [
      [{ channel: 'IF-004' }, /either "ingress": true or "delivery": true/],
      [{ ingress: true, channel: 'IF-999' }, /'IF-999' is not a DIP channel/],
      [{ delivery: true }, /a delivery pause names its channel/],
      [{ ingress: true, retryAfter: 0 }, /retryAfter is a whole number of seconds/],
      [{ ingress: true, recipient: MSS }, /unknown member\(s\) recipient/],
      [{ delivery: true, channel: 'IF-004', role: 'MSS' }, /role narrows a recipient/],
    ];
    for (const [body, help] of cases) {
      const r = await admin('POST', '/pause', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.json.messageArray[0]!.message!, /^MSG1000 /);
      assert.match(r.json.messageArray[0]!.help!, help);
    }
    assert.deepEqual(JSON.parse((await admin('GET', '/pauses')).text), { pauses: [] }, 'nothing was paused');
  });
});

test('a pause survives a restart of the DIP', async () => {
  let t = await startTestDip();
  const dataDir = t.dataDir;
  try {
    const r = await t.send({
      as: OPERATOR,
      method: 'POST',
      channel: 'ADMIN',
      path: '/1.1/admin/pause',
      body: { ingress: true, channel: 'IF-004', retryAfter: 60 },
    });
    assert.equal(r.status, 200, r.text);
    await t.close({ keepData: true });
    t = await startTestDip({ dataDir });
    const batch = t.batch({ channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: [MSS] }, 1);
    const refused = await t.send({ as: SUP, channel: 'IF-004', body: batch });
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.headers['retry-after'], '60');
  } finally {
    await t.close();
  }
});
