/**
 * The portal's requeue over inject: the count of what a requeue would send comes first, nothing is sent
 * until the participant presses Requeue with its session's form token, the progress page follows it to
 * Completed, and every copy sent again is one the participant was sent, marked as a replay. No participant
 * sees or follows another's requeue.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { portalClient } from '../helpers/portal.js';
import { until } from './delivery-support.js';

const SDS = '1200000001';
const SUP = '1000000001';
const SUP2 = '1000000002';
const LDSO = '1600000001';
const MPAN = '1900000000013';
const OTHER_MPAN = '1900000000022';

let t: TestDip;
let sink: Sink;
let portal: ReturnType<typeof portalClient>;

type Delivered = { payload: { CommonBlock: { D0: { replayIndicator: boolean } } } };
const replayed = () =>
  sink.messages().filter((m) => (m as Delivered).payload.CommonBlock.D0.replayIndicator === true) as Delivered[];

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  portal = portalClient(t);
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  assert.equal((await t.subscribe(SUP, 'IF-021', `${sink.url}/sup`)).status, 201);
  await t.appoint(MPAN, 'SUP', SUP);
  const body = t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS', distributor: LDSO, mpan: MPAN }, 3);
  const reply = await t.send({ as: SDS, channel: 'IF-021', body });
  assert.equal(reply.status, 201, reply.text);
  await until(() => sink.messages().length >= 3, 'the first deliveries');
});
after(async () => {
  await t?.close();
  await sink?.close();
});

test('the count comes first, and a filter that matches nothing offers nothing to press', async () => {
  const { cookie } = await portal.signIn(SUP);
  const form = await portal.call('GET', '/portal/requeue', cookie);
  assert.equal(form.status, 200);
  assert.doesNotMatch(form.text, /aria-label="Count"/);
  const counted = await portal.call('GET', '/portal/requeue?channel=IF-021', cookie);
  assert.equal(counted.status, 200);
  assert.match(counted.text, /<strong>3<\/strong>\s*IF-021 messages match/);
  assert.match(counted.text, /<button type="submit">Requeue 3 messages<\/button>/);
  const none = await portal.call('GET', `/portal/requeue?channel=IF-021&MPAN=${OTHER_MPAN}`, cookie);
  assert.match(none.text, /<strong>0<\/strong>\s*IF-021 messages match/);
  assert.doesNotMatch(none.text, /Requeue 0/);
  assert.equal(replayed().length, 0, 'counting sent nothing');
});

test('what cannot be requeued is refused with the reason, before anything is sent', async () => {
  const { cookie } = await portal.signIn(SUP);
  const noHook = await portal.call('GET', '/portal/requeue?channel=IF-004', cookie);
  assert.equal(noHook.status, 400);
  assert.match(noHook.text, /has no webhook for IF-004 to requeue to/);
  const status = await portal.call('GET', `/portal/requeue?channel=STATUS&MPAN=${MPAN}`, cookie);
  assert.equal(status.status, 400);
  assert.match(status.text, /status messages are chosen by time only/);
  const badTime = await portal.call('GET', '/portal/requeue?channel=IF-021&datetimeFrom=monday', cookie);
  assert.equal(badTime.status, 400);
  assert.match(badTime.text, /datetimeFrom &#39;monday&#39; is not a date-time/);
  const stale = await portal.call('POST', '/portal/requeue', cookie, { csrf: 'stale', channel: 'IF-021' });
  assert.equal(stale.status, 403);
  assert.match(stale.text, /nothing was requeued/);
  assert.equal(replayed().length, 0);
});

test('a requeue starts from the form, its progress page follows it to Completed, and the copies come marked as replays', async () => {
  const { cookie, csrf } = await portal.signIn(SUP);
  const started = await portal.call('POST', '/portal/requeue', cookie, { csrf, channel: 'IF-021', MPAN });
  assert.equal(started.status, 303, started.text);
  const location = started.location!;
  assert.match(location, /^\/portal\/requeue\/1000000001-\d{8}-[0-9a-f]{16}\?channel=IF-021$/);
  let page = await portal.call('GET', location, cookie);
  await until(async () => {
    page = await portal.call('GET', location, cookie);
    return /Completed: 3 of 3 done/.test(page.text);
  }, 'the requeue completed');
  assert.doesNotMatch(page.text, /http-equiv="refresh"/, 'a finished requeue stops refreshing');
  assert.match(page.text, /<progress max="100" value="100"/);
  await until(() => replayed().length === 3, 'three replayed copies');
  assert.equal(
    sink.calls().every((c) => c.path === '/sup'),
    true,
  );
  // The form lists it, and the signed API reports the same requeue.
  const listed = await portal.call('GET', '/portal/requeue?channel=IF-021', cookie);
  const id = location.split('/')[3]!.split('?')[0]!;
  assert.match(listed.text, new RegExp(`<a href="/portal/requeue/${id}\\?channel=IF-021">${id}</a>`));
  const api = await t.send({
    as: SUP,
    method: 'GET',
    channel: 'IF-021',
    path: `/1.1/dip-channel/IF-021/requeueStatus/${SUP}?requeue-id=${id}`,
    body: undefined,
  });
  assert.equal(api.status, 200, api.text);
  assert.deepEqual(
    (JSON.parse(api.text) as { totalTransactions: number; status: string }[]).map((r) => [
      r.totalTransactions,
      r.status,
    ]),
    [[3, 'Completed']],
  );

  // Another supplier neither sees nor follows it.
  const other = await portal.signIn(SUP2);
  assert.equal((await portal.call('GET', location, other.cookie)).status, 404);
  assert.doesNotMatch((await portal.call('GET', '/portal/requeue?channel=IF-021', other.cookie)).text, new RegExp(id));
});
