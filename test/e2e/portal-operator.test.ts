/**
 * The operator's pages of the portal over inject: open to OPERATOR only; the deliveries page counts what a
 * filter takes before anything changes; release and redrive change exactly those copies, through the same
 * store operations as the operator API, and need the session's form token; the endpoints page shows the
 * breaker and the pending copies of each endpoint.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { portalClient } from '../helpers/portal.js';
import { callsTo, copyWhen, MSS, SUP, SUP2, surOf, until } from './delivery-support.js';

const OPERATOR = '9000000001';
let t: TestDip;
let mss: Sink;
let portal: ReturnType<typeof portalClient>;

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  portal = portalClient(t);
  mss = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  assert.equal((await t.subscribe(MSS, 'IF-004', `${mss.url}/mss`)).status, 201);
});
after(async () => {
  await t?.close();
  await mss?.close();
});

/** Sends `count` IF-004s to MSS from `sender` and waits until each copy is held by a 404. */
async function heldCopies(sender: string, count: number) {
  mss.setBehaviour({ failWith: { status: 404, times: 1_000 } });
  const role = 'SUP';
  const batch = t.batch({ channel: 'IF-004', sender, role, primaryRecipients: [MSS] }, count);
  assert.equal((await t.send({ as: sender, channel: 'IF-004', body: batch })).status, 201);
  for (const m of batch) await copyWhen(t, surOf(m), MSS, (c) => c.state === 'held', 'held');
  return batch;
}

test('the operator pages are open to the operator only, and only the operator sees them in the menu', async () => {
  const participant = await portal.signIn(SUP);
  const refused = await portal.call('GET', '/portal/operator/deliveries', participant.cookie);
  assert.equal(refused.status, 403);
  assert.match(refused.text, /open only to participants holding the OPERATOR role/);
  assert.equal((await portal.call('GET', '/portal/operator/endpoints', participant.cookie)).status, 403);
  const form = { csrf: participant.csrf, state: 'held', recipient: MSS };
  assert.equal(
    (await portal.call('POST', '/portal/operator/deliveries/redrive', participant.cookie, form)).status,
    403,
  );
  assert.doesNotMatch((await portal.call('GET', '/portal/messages', participant.cookie)).text, /Deliveries/);
  assert.equal((await portal.call('GET', '/portal/operator/deliveries')).status, 303);

  const operator = await portal.signIn(OPERATOR);
  assert.match(
    (await portal.call('GET', '/portal/messages', operator.cookie)).text,
    /href="\/portal\/operator\/deliveries"/,
  );
  const page = await portal.call('GET', '/portal/operator/deliveries', operator.cookie);
  assert.equal(page.status, 200);
  assert.match(page.text, /<option value="dead" selected>/);
});

test('the operator counts held copies, releases them to dead letters and redrives them once the webhook is fixed', async () => {
  const batch = await heldCopies(SUP, 2);
  const { cookie, csrf } = await portal.signIn(OPERATOR);
  const query = `state=held&recipient=${MSS}&channel=IF-004`;
  const held = await portal.call('GET', `/portal/operator/deliveries?${query}`, cookie);
  assert.equal(held.status, 200);
  assert.match(held.text, /<strong>2<\/strong>\s*copies\s*held/);
  assert.match(held.text, /<button type="submit">Redrive 2 copies<\/button>/);
  assert.match(held.text, /<button type="submit">Release 2 copies<\/button>/);
  assert.match(held.text, new RegExp(`<td>${MSS}</td>\\s*<td>MSS</td>\\s*<td>IF-004</td>`));
  // Without a recipient there is nothing to press: one action takes one endpoint's copies.
  assert.doesNotMatch((await portal.call('GET', '/portal/operator/deliveries?state=held', cookie)).text, /Redrive/);

  const form = { state: 'held', recipient: MSS, channel: 'IF-004' };
  const stale = await portal.call('POST', '/portal/operator/deliveries/release', cookie, { ...form, csrf: 'stale' });
  assert.equal(stale.status, 403);
  assert.match(stale.text, /nothing changed/);
  for (const m of batch) assert.equal((await copyWhen(t, surOf(m), MSS, () => true, 'a copy')).state, 'held');
  const typo = await portal.call('POST', '/portal/operator/deliveries/release', cookie, {
    ...form,
    csrf,
    state: 'gone',
  });
  assert.equal(typo.status, 400);

  const released = await portal.call('POST', '/portal/operator/deliveries/release', cookie, { ...form, csrf });
  assert.equal(released.status, 200);
  assert.match(released.text, /2 copies released: their senders are told/);
  for (const m of batch) await copyWhen(t, surOf(m), MSS, (c) => c.state === 'dead', 'released');
  const dead = await portal.call('GET', `/portal/operator/deliveries?state=dead&recipient=${MSS}`, cookie);
  assert.match(dead.text, /<strong>2<\/strong>\s*copies\s*dead/);
  assert.doesNotMatch(dead.text, /Release 2/);

  mss.setBehaviour({});
  const before = callsTo(mss, '/mss').length;
  const redriven = await portal.call('POST', '/portal/operator/deliveries/redrive', cookie, {
    csrf,
    state: 'dead',
    recipient: MSS,
  });
  assert.equal(redriven.status, 200);
  assert.match(redriven.text, /2 copies redriven: due now/);
  for (const m of batch) await copyWhen(t, surOf(m), MSS, (c) => c.state === 'delivered', 'delivered');
  assert.ok(callsTo(mss, '/mss').length > before);
  // The operator's calls are in the audit trail under its id.
  await until(async () => {
    const calls = await t.dip.store.searchCalls({ callerId: OPERATOR }, null, null, 50);
    return calls.some((c) => c.path === '/portal/operator/deliveries/redrive' && c.messages === 2);
  }, 'the redrive in the audit trail');
});

test('a filter names one recipient: another recipient’s held copies stay held', async () => {
  const mine = await heldCopies(SUP2, 1);
  const { cookie, csrf } = await portal.signIn(OPERATOR);
  const other = await portal.call('POST', '/portal/operator/deliveries/redrive', cookie, {
    csrf,
    state: 'held',
    recipient: SUP,
  });
  assert.equal(other.status, 200);
  assert.match(other.text, /0 copies redriven/);
  assert.equal((await copyWhen(t, surOf(mine[0]!), MSS, () => true, 'a copy')).state, 'held');
  mss.setBehaviour({});
  await portal.call('POST', '/portal/operator/deliveries/redrive', cookie, { csrf, state: 'held', recipient: MSS });
  await copyWhen(t, surOf(mine[0]!), MSS, (c) => c.state === 'delivered', 'delivered');
});

test('the endpoints page shows each endpoint with its breaker, webhook and pending copies', async () => {
  const { cookie } = await portal.signIn(OPERATOR);
  const page = await portal.call('GET', `/portal/operator/endpoints?recipient=${MSS}`, cookie);
  assert.equal(page.status, 200);
  assert.match(page.text, new RegExp(`<td>${MSS}</td>\\s*<td>IF-004</td>\\s*<td>MSS</td>\\s*<td>closed</td>`));
  assert.match(page.text, /<td>configured<\/td>/);
  const bad = await portal.call('GET', '/portal/operator/endpoints?breaker=ajar', cookie);
  assert.equal(bad.status, 400);
  assert.match(bad.text, /breaker must be one of/);
});
