/**
 * The portal's dashboard, operator overview with pause and resume, account, registry and call pages over
 * inject: each shows what the store and registry hold, a participant only its own, and the operator's
 * pages and forms are the operator's alone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { portalClient } from '../helpers/portal.js';
import { DCP, MSS, SUP, SUP2 } from './delivery-support.js';

const OPERATOR = '9000000001';
let t: TestDip;
let portal: ReturnType<typeof portalClient>;

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  portal = portalClient(t);
});
after(async () => {
  await t?.close();
});

/** The text of the table row whose first cell is `first`, tags dropped and spaces collapsed. */
function row(page: string, first: string): string | null {
  for (const m of page.matchAll(/<tr>([\s\S]*?)<\/tr>/g)) {
    const cells = [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) =>
      c[1]!
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    );
    if (cells[0] === first) return cells.join(' | ').trim();
  }
  return null;
}

const sendIf004 = async (sender: string, count: number) => {
  const body = t.batch({ channel: 'IF-004', sender, role: 'SUP', primaryRecipients: [MSS] }, count);
  assert.equal((await t.send({ as: sender, channel: 'IF-004', body })).status, 201);
};

test("the dashboard shows the participant's sends today by channel, its refused calls, what it received and what waits for it", async () => {
  await sendIf004(SUP, 3);
  await sendIf004(SUP, 2);
  const refused = await t.send({ as: SUP, channel: 'IF-004', body: [{ CommonBlock: {} }] });
  assert.equal(refused.status, 400);
  await sendIf004(SUP2, 4);
  await t.dip.callLog.flush();

  const sup = await portal.signIn(SUP);
  const page = await portal.call('GET', '/portal/dashboard', sup.cookie);
  assert.equal(page.status, 200);
  assert.equal(row(page.text, 'IF-004'), 'IF-004 | 3 | 6 | 5 | 1', 'calls, messages, accepted, rejected');
  assert.equal(row(page.text, '400'), '400 | 1 | 1');
  assert.match(page.text, /<svg[^>]*role="img"[^>]*aria-label="Your sends today"/);
  assert.match(page.text, /5 accepted, 1 rejected/, 'the hour of the sends, in its bar');
  assert.equal(row(page.text, 'All channels'), 'All channels | 3 | 6 | 5 | 1');
  assert.match(page.text, /Nothing was addressed to you today/);
  assert.equal(row(page.text, 'MSG1001'), 'MSG1001 | IF-004 | 1 | Schema Failure', 'its refused message, by code');

  // The recipient sees what waits for it (no webhook yet), not the sender's traffic.
  const mss = await portal.signIn(MSS);
  const theirs = await portal.call('GET', '/portal/dashboard', mss.cookie);
  assert.match(theirs.text, /Nothing was sent/, 'MSS sent nothing');
  assert.match(theirs.text, /No message was refused/, 'nor were any of its messages refused');
  assert.equal(row(theirs.text, 'IF-004'), 'IF-004 | 9', 'the copies addressed to it today');
  assert.match(theirs.text, /<a href="\/portal\/messages\?channel=IF-004&amp;direction=received&amp;datetimeFrom=/);
  const endpoints = theirs.text.slice(theirs.text.indexOf('id="to-you"'));
  assert.equal(row(endpoints, 'IF-004'), 'IF-004 | MSS | closed | 9 | none: configure one |', 'its endpoint');
  const waiting = ['pending', 'waiting'].map((s) => Number(/(\d+)/.exec(row(theirs.text, s)!.split(' | ')[1]!)![1]));
  assert.equal(waiting[0]! + waiting[1]!, 9, 'every copy addressed to MSS waits');

  assert.equal((await portal.call('GET', '/portal')).location, '/portal/sign-in');
  assert.equal((await portal.call('GET', '/portal', sup.cookie)).location, '/portal/dashboard');
});

test('the operator overview shows the market; its pause form refuses sends on a channel until resumed', async () => {
  await sendIf004(SUP, 2);
  await t.dip.callLog.flush();
  const op = await portal.signIn(OPERATOR);
  const page = await portal.call('GET', '/portal/operator', op.cookie);
  assert.equal(page.status, 200);
  assert.match(page.text, /aria-label="Ingest rate"/);
  assert.match(page.text, /messages a second accepted over the last 15 minutes/);
  assert.ok(row(page.text, 'IF-004'), 'market sends by channel');
  assert.match(page.text, /Nothing is paused/);

  const expired = await portal.call('POST', '/portal/operator/pause', op.cookie, {
    kind: 'ingress',
    channel: 'IF-004',
  });
  assert.equal(expired.status, 403);
  assert.match(expired.text, /nothing was paused/);
  const typo = await portal.call('POST', '/portal/operator/pause', op.cookie, {
    csrf: op.csrf,
    kind: 'ingress',
    channel: 'IF-999',
  });
  assert.equal(typo.status, 400);
  assert.match(typo.text, /&#39;IF-999&#39; is not a DIP channel/);
  assert.match(typo.text, /value="IF-999"/, 'the form keeps what was typed');
  assert.equal((await t.dip.store.listPauses()).length, 0);

  const paused = await portal.call('POST', '/portal/operator/pause', op.cookie, {
    csrf: op.csrf,
    kind: 'ingress',
    channel: 'if-004',
    retryAfter: '120',
    reason: 'upgrade',
  });
  assert.equal(paused.status, 200, paused.text);
  assert.match(paused.text, /Paused ingress on IF-004/);
  assert.match(row(paused.text, 'ingress on IF-004 (Retry-After 120 s)')!, /upgrade \| 9000000001, /);
  const body = t.batch({ channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: [MSS] }, 1);
  const refused = await t.send({ as: SUP, channel: 'IF-004', body });
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['retry-after'], '120');

  const resumed = await portal.call('POST', '/portal/operator/resume', op.cookie, {
    csrf: op.csrf,
    kind: 'ingress',
    channel: 'IF-004',
  });
  assert.equal(resumed.status, 200);
  assert.match(resumed.text, /Resumed ingress on IF-004/);
  assert.equal((await t.send({ as: SUP, channel: 'IF-004', body })).status, 201);
  const again = await portal.call('POST', '/portal/operator/resume', op.cookie, {
    csrf: op.csrf,
    kind: 'ingress',
    channel: 'IF-004',
  });
  assert.equal(again.status, 404);

  await t.dip.callLog.flush();
  const [audited] = await t.dip.store.searchCalls({ callerId: OPERATOR, channel: 'IF-004' }, null, null, 5);
  assert.ok(audited);
  const calls = await t.dip.store.searchCalls({ callerId: OPERATOR }, null, null, 20);
  assert.ok(calls.some((c) => c.outcome === 'paused ingress on IF-004: upgrade'));
  assert.ok(calls.some((c) => c.outcome === 'resumed ingress on IF-004'));

  const sup = await portal.signIn(SUP);
  for (const [method, path] of [
    ['GET', '/portal/operator'],
    ['POST', '/portal/operator/pause'],
    ['POST', '/portal/operator/resume'],
    ['GET', '/portal/operator/participants'],
    ['GET', '/portal/operator/certificates'],
    ['GET', '/portal/operator/mpans'],
    ['GET', '/portal/operator/calls'],
  ] as const) {
    const r = await portal.call(
      method,
      path,
      sup.cookie,
      method === 'POST' ? { csrf: sup.csrf, kind: 'ingress' } : undefined,
    );
    assert.equal(r.status, 403, path);
  }
  assert.equal((await t.dip.store.listPauses()).length, 0, 'a participant paused nothing');
});

test("the account page shows the participant's roles, DCP grants and credentials, and no one else's", async () => {
  const sup2 = await portal.signIn(SUP2);
  const page = await portal.call('GET', '/portal/account', sup2.cookie);
  assert.equal(page.status, 200);
  assert.equal(row(page.text, 'Roles'), 'Roles | SUP');
  assert.equal(row(page.text, 'SUP'), `SUP | ${DCP}`, 'it assigned its SUP role to the DCP');
  const fingerprint = t.dip.registry
    .view()
    .certificates()
    .find((c) => c.dipId === SUP2)!.fingerprint;
  assert.ok(page.text.includes(fingerprint));
  const others = t.dip.registry
    .view()
    .certificates()
    .filter((c) => c.dipId !== SUP2);
  for (const c of others) assert.ok(!page.text.includes(c.fingerprint), `not ${c.dipId}'s certificate`);
  assert.match(page.text, /active <span class="muted">\(API keys do not expire\)/);

  const dcp = await portal.signIn(DCP);
  const dcpPage = await portal.call('GET', '/portal/account', dcp.cookie);
  assert.equal(row(dcpPage.text, SUP2), `${SUP2} | SUP`, 'the DCP acts for the supplier');
});

test('the operator lists participants and credentials and looks up an MPAN with its history', async () => {
  const op = await portal.signIn(OPERATOR);
  const people = await portal.call('GET', '/portal/operator/participants', op.cookie);
  assert.match(row(people.text, DCP)!, /DCP \| none \| 1000000002 as SUP, 1300000002 as MSA/);
  assert.match(row(people.text, SUP2)!, new RegExp(`SUP \\| SUP by ${DCP}`));

  const certs = await portal.call('GET', '/portal/operator/certificates?expiringWithinDays=0', op.cookie);
  assert.equal(certs.status, 200);
  assert.match(certs.text, /expired/, 'the expired test certificate');
  assert.match(certs.text, /No API key/, 'a window lists certificates only');
  const bad = await portal.call('GET', '/portal/operator/certificates?expiringWithinDays=soon', op.cookie);
  assert.equal(bad.status, 400);
  assert.match(bad.text, /expiringWithinDays is a whole number of days/);

  await t.appoint('1900000001017', 'SUP', SUP, Date.UTC(2026, 0, 1));
  const mpan = await portal.call('GET', '/portal/operator/mpans?mpan=1900000001017', op.cookie);
  assert.equal(mpan.status, 200);
  assert.match(row(mpan.text, 'SUP')!, new RegExp(`^SUP \\| ${SUP} \\| SUP \\| 2026-01-01T00:00:00.000Z`));
  assert.match(mpan.text, /<h2>History<\/h2>/);
  const before = await portal.call('GET', '/portal/operator/mpans?mpan=1900000001017&at=2025-06-01', op.cookie);
  assert.match(row(before.text, 'SUP')!, /nobody/);
  const invalid = await portal.call('GET', '/portal/operator/mpans?mpan=1234', op.cookie);
  assert.equal(invalid.status, 400);
  assert.match(invalid.text, /is not a valid MPAN/);
});

test("the calls page lists a participant's own API calls; the operator's lists everyone's, by caller", async () => {
  await sendIf004(SUP2, 1);
  await t.dip.callLog.flush();
  const sup = await portal.signIn(SUP);
  const mine = await portal.call('GET', '/portal/calls', sup.cookie);
  assert.equal(mine.status, 200);
  assert.match(mine.text, /POST \/[^ ]+\/dip-channel\/IF-004/);
  const op = await portal.signIn(OPERATOR);
  const supsOnly = await portal.call('GET', `/portal/operator/calls?callerID=${SUP2}`, op.cookie);
  assert.match(supsOnly.text, new RegExp(`<td>${SUP2}</td>`));
  assert.doesNotMatch(supsOnly.text, new RegExp(`<td>${SUP}</td>`));
  const bad = await portal.call('GET', '/portal/calls?datetimeFrom=yesterday', sup.cookie);
  assert.equal(bad.status, 400);
  // SUP2 opened its account page earlier; SUP never did. A participant's page takes no caller: it lists its
  // own calls whatever is asked.
  assert.match(supsOnly.text, /GET \/portal\/account/);
  for (const url of ['/portal/calls', `/portal/calls?callerID=${SUP2}`]) {
    const page = await portal.call('GET', url, sup.cookie);
    assert.doesNotMatch(page.text, /GET \/portal\/account/, url);
    assert.doesNotMatch(page.text, />Caller</, url);
  }
});
