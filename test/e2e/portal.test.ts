/**
 * The portal over inject and a real socket: sign-in with a DIP id and an API key, CSRF on every form,
 * message search and the message page, the audit URL opened in a browser, and no page showing a
 * participant what the signed audit API would not show it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startSink } from '../../src/sink/sink.js';
import { DEMO_PARTICIPANTS } from '../../src/demo/market.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { hidden, pair, portalClient } from '../helpers/portal.js';

const SDS = '1200000001';
const SUP = '1000000001';
const SUP2 = '1000000002';
const LDSO = '1600000001';
const MPAN_A = '1900000000013';
const MPAN_B = '1900000000022';

let t: TestDip;
let forA: Reply;
let forB: Reply;
let call: ReturnType<typeof portalClient>['call'];
let signIn: ReturnType<typeof portalClient>['signIn'];

const listed = (text: string): string[] => [...text.matchAll(/href="\/portal\/messages\/([^"]+)"/g)].map((m) => m[1]!);

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  ({ call, signIn } = portalClient(t));
  await t.appoint(MPAN_A, 'SUP', SUP);
  await t.appoint(MPAN_B, 'SUP', SUP2);
  const send = (mpan: string, count: number) =>
    t.send({
      as: SDS,
      channel: 'IF-021',
      body: t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS', distributor: LDSO, mpan }, count),
    });
  forA = await send(MPAN_A, 3);
  forB = await send(MPAN_B, 2);
  assert.equal(forA.status, 201, forA.text);
  assert.equal(forB.status, 201, forB.text);
});

after(() => t.close());

test('a browser is sent to sign in, signs in with its DIP id and API key, and lands on its messages', async () => {
  const home = await call('GET', '/portal');
  assert.equal(home.status, 303);
  assert.equal(home.location, '/portal/sign-in');
  const guarded = await call('GET', '/portal/messages?MPAN=1900000000013');
  assert.equal(guarded.status, 303);
  assert.equal(guarded.location, `/portal/sign-in?next=${encodeURIComponent('/portal/messages?MPAN=1900000000013')}`);

  const form = await call('GET', guarded.location);
  assert.equal(form.status, 200);
  assert.match(form.text, /<form method="post" action="\/portal\/sign-in">/);
  assert.equal(hidden(form.text, 'next'), '/portal/messages?MPAN=1900000000013');
  const cookie = form.cookies[0]!;
  assert.match(cookie, /^opendip_portal_signin=[^;]+; Path=\/portal; HttpOnly; SameSite=Strict/);

  const done = await call('POST', '/portal/sign-in', pair(cookie), {
    token: hidden(form.text, 'token'),
    next: '/portal/messages?MPAN=1900000000013',
    participant: SDS,
    apiKey: t.apiKeys[SDS]!,
  });
  assert.equal(done.status, 303);
  assert.equal(done.location, '/portal/messages?MPAN=1900000000013');
  const session = done.cookies.find((c) => c.startsWith('opendip_portal='))!;
  assert.match(session, /HttpOnly; SameSite=Strict; Max-Age=28800/);
  const page = await call('GET', done.location, pair(session));
  assert.equal(page.status, 200);
  assert.match(page.text, /\(1200000001\)/);
  assert.deepEqual(listed(page.text).sort(), forA.json.messageArray.map((m) => m.transactionID!).sort());
});

test("a wrong API key, another participant's key, or a missing form token does not sign in", async () => {
  const form = await call('GET', '/portal/sign-in');
  const token = hidden(form.text, 'token');
  const cookie = pair(form.cookies[0]!);
  const wrong = await call('POST', '/portal/sign-in', cookie, { token, participant: SDS, apiKey: 'not-a-key' });
  assert.equal(wrong.status, 401);
  assert.match(wrong.text, /do not match/);
  assert.equal(
    wrong.cookies.some((c) => c.startsWith('opendip_portal=')),
    false,
  );
  const others = await call('POST', '/portal/sign-in', cookie, { token, participant: SDS, apiKey: t.apiKeys[SUP]! });
  assert.equal(others.status, 401);
  const noToken = await call('POST', '/portal/sign-in', '', { participant: SDS, apiKey: t.apiKeys[SDS]! });
  assert.equal(noToken.status, 403);
  assert.equal(
    noToken.cookies.some((c) => c.startsWith('opendip_portal=')),
    false,
  );
  // A cookie altered by hand is no session.
  const { cookie: good } = await signIn(SDS);
  const forged = good.replace(/^opendip_portal=([^.]+)/, (_all, body: string) => {
    const s = JSON.parse(Buffer.from(body, 'base64url').toString()) as { dipId: string };
    return `opendip_portal=${Buffer.from(JSON.stringify({ ...s, dipId: SUP })).toString('base64url')}`;
  });
  assert.equal((await call('GET', '/portal/messages', forged)).status, 303);
});

test("sign-out needs the session's form token and ends the session", async () => {
  const { cookie, csrf } = await signIn(SUP);
  assert.equal((await call('POST', '/portal/sign-out', cookie, { csrf: 'wrong' })).status, 403);
  assert.equal((await call('GET', '/portal/messages', cookie)).status, 200);
  const out = await call('POST', '/portal/sign-out', cookie, { csrf });
  assert.equal(out.status, 303);
  assert.match(out.cookies[0]!, /^opendip_portal=; .*Max-Age=0/);
});

test('the search filters by MPAN, correlation id, channel and direction, and pages by keyset', async () => {
  const { cookie } = await signIn(SDS);
  const b = forB.json.messageArray.map((m) => m.transactionID!);
  assert.deepEqual(listed((await call('GET', `/portal/messages?MPAN=${MPAN_B}`, cookie)).text).sort(), b.sort());
  assert.deepEqual(listed((await call('GET', '/portal/messages?channel=IF-013', cookie)).text), []);
  const a = forA.json.messageArray.map((m) => m.transactionID!);
  const first = await call('GET', `/portal/messages?MPAN=${MPAN_A}&limit=2`, cookie);
  const older = /<a href="([^"]+)" rel="next">/.exec(first.text)![1]!.replace(/&amp;/g, '&');
  assert.match(older, /^\/portal\/messages\?MPAN=1900000000013&limit=2&after=\d+$/);
  const second = await call('GET', older, cookie);
  assert.doesNotMatch(second.text, /rel="next"/);
  assert.deepEqual([...listed(first.text), ...listed(second.text)].sort(), [...a].sort());
  // By direction: the sender finds them among what it sent and not among what it received; the supplier the other way.
  const supplier = (await signIn(SUP)).cookie;
  const directed = async (who: string, direction: string) =>
    listed((await call('GET', `/portal/messages?MPAN=${MPAN_A}&direction=${direction}`, who)).text).sort();
  assert.deepEqual(await directed(cookie, 'sent'), [...a].sort());
  assert.deepEqual(await directed(cookie, 'received'), []);
  assert.deepEqual(await directed(supplier, 'received'), [...a].sort());
  assert.deepEqual(await directed(supplier, 'sent'), []);
  assert.match(
    (await call('GET', '/portal/messages?direction=received', supplier)).text,
    /<option value="received" selected>/,
  );
  const sideways = await call('GET', '/portal/messages?direction=sideways', cookie);
  assert.equal(sideways.status, 400);
  assert.match(sideways.text, /direction must be sent or received/);
  const bad = await call('GET', '/portal/messages?datetimeFrom=yesterday', cookie);
  assert.equal(bad.status, 400);
  assert.match(bad.text, /role="alert"/);
  // The form keeps what was asked, escaped.
  const odd = await call(
    'GET',
    `/portal/messages?senderUniqueReference=${encodeURIComponent('"><script>x</script>')}`,
    cookie,
  );
  assert.equal(odd.status, 200);
  assert.ok(!odd.text.includes('<script>x'));
  assert.ok(odd.text.includes('&quot;&gt;&lt;script&gt;x&lt;/script&gt;'));
});

test('the message page shows the routing, the journal and, to its sender only, the payload', async () => {
  const id = forA.json.messageArray[0]!.transactionID!;
  const sender = await signIn(SDS);
  const page = await call('GET', `/portal/messages/${id}`, sender.cookie);
  assert.equal(page.status, 200);
  assert.match(page.text, new RegExp(`<h1>Message ${id}</h1>`));
  assert.match(page.text, /<td>1000000001<\/td>\s*<td>SUP<\/td>\s*<td>Secondary: serves the MPAN/);
  assert.match(page.text, /<td>Inbound<\/td>/);
  assert.match(page.text, /<pre aria-label="Payload">[^]*&quot;MPANCore&quot;: &quot;1900000000013&quot;/);
  const recipient = await signIn(SUP);
  const seen = await call('GET', `/portal/messages/${id}`, recipient.cookie);
  assert.equal(seen.status, 200);
  assert.match(seen.text, /Shown to its sender only/);
  assert.match(
    seen.text,
    /<pre aria-label="Payload as delivered to SUP">[^]*&quot;MPANCore&quot;: &quot;1900000000013&quot;/,
  );
  assert.match(seen.text, /<table aria-label="Deliveries">[^]*<td>1000000001<\/td>\s*<td>SUP<\/td>/);
  // SUP2 serves the other MPAN: it neither finds nor opens this message.
  const other = await signIn(SUP2);
  assert.equal((await call('GET', `/portal/messages/${id}`, other.cookie)).status, 404);
});

test('the audit URL opened in a browser leads to the message page; a signed client still gets JSON', async () => {
  const item = forA.json.messageArray[0]!;
  const url = new URL(item.serviceTicketURL as string);
  const browser = await request(`${t.origin}${url.pathname}`, { headers: { accept: 'text/html,*/*' } });
  await browser.body.dump();
  assert.equal(browser.statusCode, 303);
  assert.equal(browser.headers.location, `/portal/messages/${item.transactionID}`);
  const signed = await t.send({ as: SDS, method: 'GET', channel: 'AUDIT', path: url.pathname, body: undefined });
  assert.equal(signed.status, 200);
  assert.equal(
    (JSON.parse(signed.text) as { message: { transactionID: string } }).message.transactionID,
    item.transactionID,
  );
});

test('over a real socket: sign in, search and open a message', async () => {
  const form = await request(`${t.origin}/portal/sign-in`);
  const text = await form.body.text();
  const signinCookie = pair(String([form.headers['set-cookie']].flat()[0]));
  const done = await request(`${t.origin}/portal/sign-in`, {
    method: 'POST',
    headers: { cookie: signinCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: hidden(text, 'token'), participant: SUP, apiKey: t.apiKeys[SUP]! }).toString(),
  });
  await done.body.dump();
  assert.equal(done.statusCode, 303);
  const cookie = pair(String([done.headers['set-cookie']].flat().find((c) => String(c).startsWith('opendip_portal='))));
  const page = await request(`${t.origin}/portal/messages?MPAN=${MPAN_A}`, { headers: { cookie } });
  assert.equal(page.statusCode, 200);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.equal(listed(await page.body.text()).length, 3);
});

test('isolation: every participant finds and opens exactly the messages the signed audit API shows it', async () => {
  const all = [...forA.json.messageArray, ...forB.json.messageArray].map((m) => m.transactionID!);
  for (const p of DEMO_PARTICIPANTS) {
    const api = await t.send({
      as: p.dipId,
      method: 'GET',
      channel: 'AUDIT',
      path: '/1.1/audit/messages',
      body: undefined,
    });
    assert.equal(api.status, 200, api.text);
    const entitled = (JSON.parse(api.text) as { messages: { transactionID: string }[] }).messages.map(
      (m) => m.transactionID,
    );
    const { cookie } = await signIn(p.dipId);
    const page = await call('GET', '/portal/messages', cookie);
    assert.deepEqual(listed(page.text).sort(), [...entitled].sort(), p.dipId);
    for (const id of all) {
      const opened = await call('GET', `/portal/messages/${id}`, cookie);
      assert.equal(opened.status, entitled.includes(id) ? 200 : 404, `${p.dipId} opening ${id}`);
    }
  }
});

test('the webhook page sets, shows and removes its own webhook, refuses a bad URL, and needs the form token', async () => {
  const { cookie, csrf } = await signIn(SUP2);
  const empty = await call('GET', '/portal/webhooks', cookie);
  assert.equal(empty.status, 200);
  assert.match(empty.text, /No webhook yet/);
  assert.match(empty.text, /<option value="STATUS"/);
  const form = {
    csrf,
    channel: 'IF-021',
    callbackURL: 'https://sup2.example/hook',
    maxMessageCount: '25',
    maxPayloadSize: '',
  };
  assert.equal((await call('POST', '/portal/webhooks', cookie, { ...form, csrf: 'stale' })).status, 403);
  const bad = await call('POST', '/portal/webhooks', cookie, { ...form, callbackURL: 'ftp://x' });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /callbackURL must be an absolute https:\/\//);
  assert.match(bad.text, /value="ftp:\/\/x"/);
  assert.equal((await call('POST', '/portal/webhooks', cookie, { ...form, channel: 'IF-999' })).status, 400);
  const saved = await call('POST', '/portal/webhooks', cookie, form);
  assert.equal(saved.status, 303);
  assert.equal(saved.location, '/portal/webhooks?saved=IF-021');
  // The same configuration the signed API and the delivery engine read.
  const [stored] = await t.dip.store.webhooks(SUP2, 'IF-021');
  assert.deepEqual(
    { url: stored!.callbackUrl, count: stored!.maxMessageCount, role: stored!.role, by: stored!.configuredBy },
    { url: 'https://sup2.example/hook', count: 25, role: '', by: SUP2 },
  );
  const listed = await call('GET', saved.location, cookie);
  assert.match(listed.text, /Saved the IF-021 webhook/);
  assert.match(listed.text, /<td>https:\/\/sup2.example\/hook<\/td>/);
  // Another participant's page shows none of it.
  const other = await signIn(SUP);
  assert.doesNotMatch((await call('GET', '/portal/webhooks', other.cookie)).text, /sup2\.example/);
  const removed = await call('POST', '/portal/webhooks/remove', cookie, { csrf, channel: 'IF-021' });
  assert.equal(removed.status, 303);
  assert.deepEqual(await t.dip.store.webhooks(SUP2, 'IF-021'), []);
});

test('a test call reaches the webhook as a delivery would, signed and naming the participant, and shows its answer', async () => {
  const sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  try {
    const { cookie, csrf } = await signIn(SUP2);
    const save = (channel: string, callbackURL: string) =>
      call('POST', '/portal/webhooks', cookie, { csrf, channel, callbackURL, maxMessageCount: '', maxPayloadSize: '' });
    assert.equal((await save('IF-013', `${sink.url}/sup2/IF-013`)).status, 303);
    const page = await call('GET', '/portal/webhooks', cookie);
    assert.match(page.text, /aria-label="Send a test call to the IF-013 webhook"/);

    assert.equal(
      (await call('POST', '/portal/webhooks/test', cookie, { csrf: 'stale', channel: 'IF-013', role: '' })).status,
      403,
    );
    assert.equal(sink.calls().length, 0, 'nothing sent without the form token');
    const tested = await call('POST', '/portal/webhooks/test', cookie, { csrf, channel: 'IF-013', role: '' });
    assert.equal(tested.status, 200, tested.text);
    const [received] = sink.calls();
    assert.equal(received!.path, '/sup2/IF-013');
    assert.deepEqual(received!.items, [], 'a delivery with no message in it');
    assert.deepEqual(received!.mpo, {
      dipId: SUP2,
      role: null,
      name: DEMO_PARTICIPANTS.find((p) => p.dipId === SUP2)!.name,
    });
    // The sink checks the DIP's signature first (a bad one is 401), then refuses a batch without messages.
    assert.equal(received!.status, 400);
    assert.match(received!.problem ?? '', /the array is empty/, 'past the signature check');
    assert.match(
      tested.text,
      new RegExp(`<code>POST ${sink.url}/sup2/IF-013</code>\\s*answered ${received!.status} in \\d+ ms`),
    );
    assert.match(tested.text, /Your webhook was reached and refused a call with no message in it/);

    // A webhook that does not answer says so; one the participant has not set cannot be tested.
    assert.equal((await save('IF-014', 'http://127.0.0.1:1/hook')).status, 303);
    const refused = await call('POST', '/portal/webhooks/test', cookie, { csrf, channel: 'IF-014', role: '' });
    assert.match(refused.text, /had no answer: refused/);
    const none = await call('POST', '/portal/webhooks/test', cookie, { csrf, channel: 'IF-021', role: '' });
    assert.equal(none.status, 404);
    assert.match(none.text, /You have no IF-021 webhook to test/);
    await t.dip.callLog.flush();
    const audited = await t.dip.store.searchCalls({ callerId: SUP2 }, null, null, 20);
    assert.ok(audited.some((c) => c.outcome === `portal: webhook test answered ${received!.status}`));
  } finally {
    await sink.close();
  }
});
