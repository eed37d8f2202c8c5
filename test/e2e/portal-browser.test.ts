/**
 * The portal in headless Chromium (Debian's chromium, driven by playwright-core), with JavaScript off to
 * show every page works without it: sign in, search, open a message from the results, set a webhook, sign
 * out; requeue what was delivered and follow its progress; as the operator, release a held copy and redrive
 * the dead letter.
 * OPENDIP_SCREENSHOTS=<dir> also saves the pages the README shows.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { addPortalUser } from '../../src/registry/portal-users.js';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { copyWhen, MSS, surOf, until } from './delivery-support.js';

const SDS = '1200000001';
const SUP = '1000000001';
const LDSO = '1600000001';
const MPAN = '1900000000013';
const CHROMIUM = process.env.OPENDIP_CHROMIUM ?? '/usr/bin/chromium';
const shots = process.env.OPENDIP_SCREENSHOTS;

let t: TestDip;
let browser: Browser;
let sent: Reply;
let sink: Sink;
const OPERATOR = '9000000001';
const SDS_PASSWORD = 'a password for the browser test';

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  assert.equal((await t.subscribe(SUP, 'IF-021', `${sink.url}/sup`)).status, 201);
  assert.equal((await t.subscribe(MSS, 'IF-004', `${sink.url}/mss`)).status, 201);
  await t.appoint(MPAN, 'SUP', SUP);
  const user = { username: 'sds-user', dipId: SDS, password: SDS_PASSWORD, issuedBy: OPERATOR, now: Date.now() };
  await addPortalUser(t.dip.store, t.dip.registry.view(), user);
  sent = await t.send({
    as: SDS,
    channel: 'IF-021',
    body: t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS', distributor: LDSO, mpan: MPAN }, 3),
  });
  assert.equal(sent.status, 201, sent.text);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await t?.close();
  await sink?.close();
});

test('without JavaScript a participant signs in, searches by MPAN, opens a message, sets a webhook and signs out', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${t.origin}/portal`);
  assert.equal(new URL(page.url()).pathname, '/portal/sign-in');
  await page.getByLabel('Username').fill('sds-user');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  assert.match(await page.getByRole('alert').innerText(), /do not match/);
  if (shots) await page.screenshot({ path: join(shots, 'portal-sign-in.png'), fullPage: true });
  await page.getByLabel('Password').fill(SDS_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  assert.equal(new URL(page.url()).pathname, '/portal/dashboard');
  assert.match(await page.locator('header').innerText(), /sds-user, Demo Data Services/);
  assert.ok(await page.getByRole('img', { name: 'Your sends today' }).isVisible(), 'the throughput chart');
  if (shots) await page.screenshot({ path: join(shots, 'portal-dashboard.png'), fullPage: true });
  await page.getByRole('navigation').getByRole('link', { name: 'Messages', exact: true }).click();

  await page.getByLabel('MPAN').fill(MPAN);
  await page.getByRole('button', { name: 'Search' }).click();
  assert.equal(new URL(page.url()).searchParams.get('MPAN'), MPAN);
  const ids = sent.json.messageArray.map((m) => m.transactionID!);
  const rows = page.locator('tbody tr');
  assert.equal(await rows.count(), 3);
  if (shots) await page.screenshot({ path: join(shots, 'portal-messages.png'), fullPage: true });

  await page.getByRole('link', { name: ids[0]! }).click();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Message ${ids[0]}`);
  assert.match(await page.getByLabel('Payload', { exact: true }).innerText(), /"MPANCore": "1900000000013"/);
  assert.match(await page.getByLabel('Payload as delivered to SUP').innerText(), /"replayIndicator": false/);
  assert.match(
    await page.getByRole('table', { name: 'Deliveries' }).innerText(),
    /1000000001\s+SUP\s+(waiting|delivered)/,
  );
  assert.match(await page.locator('table').nth(1).innerText(), /1000000001\s+SUP\s+Secondary/);
  if (shots) await page.screenshot({ path: join(shots, 'portal-message.png'), fullPage: true });

  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByLabel('Channel').selectOption('STATUS');
  await page.getByLabel('Callback URL').fill('https://sds.example/status');
  await page.getByRole('button', { name: 'Save webhook' }).click();
  assert.match(await page.getByRole('status').innerText(), /Saved the STATUS webhook/);
  assert.match(
    await page.locator('tbody').innerText(),
    /STATUS \(status messages\)\s+all \(channel-wide\)\s+https:\/\/sds.example\/status/,
  );
  if (shots) await page.screenshot({ path: join(shots, 'portal-webhooks.png'), fullPage: true });

  await page.getByRole('button', { name: 'Sign out' }).click();
  assert.equal(new URL(page.url()).pathname, '/portal/sign-in');
  await page.goto(`${t.origin}/portal/messages/${ids[0]}`);
  assert.equal(new URL(page.url()).pathname, '/portal/sign-in');
  await context.close();
});

test("the audit URL of a message opens its page after sign-in, and another supplier's browser cannot open it", async () => {
  const id = sent.json.messageArray[1]!.transactionID!;
  const ticket = new URL(sent.json.messageArray[1]!.serviceTicketURL as string);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${t.origin}${ticket.pathname}`);
  assert.equal(new URL(page.url()).pathname, '/portal/sign-in');
  await page.getByLabel('DIP id').fill('1000000002');
  await page.getByLabel('API key').fill(t.apiKeys['1000000002']!);
  await page.getByRole('button', { name: 'Sign in with the API key' }).click();
  assert.equal(new URL(page.url()).pathname, `/portal/messages/${id}`);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Message not found');
  await context.close();

  const mine = await browser.newContext({ javaScriptEnabled: false });
  const own = await mine.newPage();
  await own.goto(`${t.origin}${ticket.pathname}`);
  await own.getByLabel('DIP id').fill(SUP);
  await own.getByLabel('API key').fill(t.apiKeys[SUP]!);
  await own.getByRole('button', { name: 'Sign in with the API key' }).click();
  assert.equal(await own.getByRole('heading', { level: 1 }).innerText(), `Message ${id}`);
  assert.match(await own.locator('main').innerText(), /Shown to its sender only/);
  await mine.close();
});

/** Signs a new JavaScript-less browser in as `dipId`. */
async function signedIn(dipId: string) {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${t.origin}/portal/sign-in`);
  await page.getByLabel('DIP id').fill(dipId);
  await page.getByLabel('API key').fill(t.apiKeys[dipId]!);
  await page.getByRole('button', { name: 'Sign in with the API key' }).click();
  return { context, page };
}

test('a supplier counts its deliveries, requeues them and follows the requeue to Completed', async () => {
  await until(() => sink.calls().some((c) => c.path === '/sup'), 'the first delivery to the supplier');
  const { context, page } = await signedIn(SUP);
  await page.getByRole('link', { name: 'Requeue' }).click();
  await page.getByLabel('Channel').selectOption('IF-021');
  await page.getByLabel('MPAN (not for STATUS)').fill(MPAN);
  await page.getByRole('button', { name: 'Count messages' }).click();
  assert.match(await page.getByLabel('Count').innerText(), /^3 IF-021 messages match/);
  await page.getByRole('button', { name: 'Requeue 3 messages' }).click();
  assert.match(new URL(page.url()).pathname, /^\/portal\/requeue\/1000000001-/);
  await until(async () => {
    await page.reload();
    return /Completed: 3 of 3 done/.test(await page.getByRole('status').innerText());
  }, 'the requeue completed');
  if (shots) await page.screenshot({ path: join(shots, 'portal-requeue.png'), fullPage: true });
  const replays = sink
    .messages()
    .filter(
      (m) =>
        (m as { payload: { CommonBlock: { D0: { replayIndicator: boolean } } } }).payload.CommonBlock.D0
          .replayIndicator,
    );
  assert.equal(replays.length, 3);
  await context.close();
});

test('a supplier replays what it was sent, a page listed in the browser, and tests its webhook', async () => {
  const { context, page } = await signedIn(SUP);
  await page.getByRole('navigation').getByRole('link', { name: 'Replay' }).click();
  await page.getByLabel('Channel').selectOption('IF-021');
  await page.getByRole('button', { name: 'Count messages' }).click();
  assert.match(await page.getByLabel('Count').innerText(), /^3 IF-021 messages match/);
  await page.getByRole('button', { name: 'Replay 3 messages' }).click();
  assert.match(await page.getByRole('status').innerText(), /Page 1: messages 1 to 3, the last/);
  const ids = sent.json.messageArray.map((m) => m.transactionID!);
  assert.equal(await page.getByRole('table', { name: 'Replayed messages' }).locator('tbody tr').count(), 3);
  if (shots) await page.screenshot({ path: join(shots, 'portal-replay.png'), fullPage: true });
  await page.getByRole('link', { name: ids[2]! }).click();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Message ${ids[2]}`);
  assert.match(await page.getByLabel('Payload as delivered to SUP').innerText(), /"MPANCore": "1900000000013"/);

  await page.getByRole('navigation').getByRole('link', { name: 'Webhooks' }).click();
  const before = sink.calls().length;
  await page.getByRole('button', { name: 'Send a test call to the IF-021 webhook' }).click();
  assert.match(await page.getByRole('status').innerText(), /answered 400 in \d+ ms\.\s+Your webhook was reached/);
  const [test] = sink.calls().slice(before);
  assert.deepEqual([test!.path, test!.itemCount], ['/sup', 0]);
  await context.close();
});

test('the operator finds a held copy, releases it as a dead letter and redrives it once the webhook is fixed', async () => {
  sink.setBehaviour({ failWith: { status: 404, times: 1_000 } });
  const batch = t.batch({ channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: [MSS] }, 1);
  assert.equal((await t.send({ as: SUP, channel: 'IF-004', body: batch })).status, 201);
  await copyWhen(t, surOf(batch[0]!), MSS, (c) => c.state === 'held', 'held');

  const { context, page } = await signedIn(OPERATOR);
  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByLabel('Channel').fill('IF-004');
  await page.getByLabel('Reason').fill('upgrade');
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  assert.match(await page.getByRole('status').innerText(), /Paused ingress on IF-004/);
  assert.equal((await t.send({ as: SUP, channel: 'IF-004', body: batch })).status, 503);
  if (shots) await page.screenshot({ path: join(shots, 'portal-overview.png'), fullPage: true });
  await page.getByRole('button', { name: 'Resume ingress on IF-004' }).click();
  assert.match(await page.getByRole('status').innerText(), /Resumed ingress on IF-004/);
  await page.getByRole('link', { name: 'Deliveries' }).click();
  await page.getByLabel('State').selectOption('held');
  await page.getByLabel('Recipient').fill(MSS);
  await page.getByRole('button', { name: 'Show copies' }).click();
  assert.match(await page.getByLabel('Count').innerText(), /^1 copy held/);
  await page.getByRole('button', { name: 'Release 1 copy' }).click();
  assert.match(await page.getByRole('status').innerText(), /1 copy released/);
  await copyWhen(t, surOf(batch[0]!), MSS, (c) => c.state === 'dead', 'a dead letter');

  await page.getByLabel('State').selectOption('dead');
  await page.getByRole('button', { name: 'Show copies' }).click();
  assert.match(await page.getByLabel('Count').innerText(), /^1 copy dead/);
  if (shots) await page.screenshot({ path: join(shots, 'portal-deliveries.png'), fullPage: true });
  sink.setBehaviour({});
  await page.getByRole('button', { name: 'Redrive 1 copy' }).click();
  assert.match(await page.getByRole('status').innerText(), /1 copy redriven/);
  await copyWhen(t, surOf(batch[0]!), MSS, (c) => c.state === 'delivered', 'delivered after the redrive');

  await page.getByRole('link', { name: 'Endpoints' }).click();
  assert.match(await page.locator('tbody').innerText(), new RegExp(`${MSS}\\s+IF-004\\s+MSS\\s+closed`));
  await context.close();
});

test('the operator issues a sign-in link; its user follows it, sets a password and is signed in', async () => {
  const { context, page } = await signedIn(OPERATOR);
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByLabel('Participant').selectOption(SUP);
  await page.getByLabel('Username').fill('dana@supplier.example');
  await page.getByRole('button', { name: 'Issue link' }).click();
  const link = await page.getByLabel('Sign-in link').innerText();
  assert.match(link, /\/portal\/welcome\?link=/);
  assert.match(
    await page.locator('tbody').innerText(),
    /dana@supplier.example\s+Demo Supplier One \(1000000001\)\s+sign-in link not yet followed/,
  );
  if (shots) await page.screenshot({ path: join(shots, 'portal-users.png'), fullPage: true });
  await context.close();

  const fresh = await browser.newContext({ javaScriptEnabled: false });
  const user = await fresh.newPage();
  await user.goto(`${t.origin}${new URL(link).pathname}${new URL(link).search}`);
  assert.match(
    await user.locator('main').innerText(),
    /You are dana@supplier.example, signing in to the portal for Demo Supplier One/,
  );
  await user.getByLabel('New password').fill('dana chooses a long one');
  await user.getByLabel('The same again').fill('dana chooses a long one');
  await user.getByRole('button', { name: 'Set password and sign in' }).click();
  assert.equal(new URL(user.url()).pathname, '/portal/dashboard');
  assert.match(await user.locator('header').innerText(), /dana@supplier.example, Demo Supplier One \(1000000001\)/);
  // The link is spent.
  await user.goto(link.replace(/^https?:\/\/[^/]+/, t.origin));
  assert.equal(await user.getByRole('heading', { level: 1 }).innerText(), 'Sign-in link not valid');
  await fresh.close();
});

describe('over TLS', () => {
  let tls: TestDip;
  before(async () => {
    tls = await startTestDip({ flags: { tls: 'true', mtls: 'optional' } });
  });
  after(() => tls?.close());

  test('a browser holding its participant’s client certificate signs in with it', async () => {
    const own = tls.pki.participants[SUP]!;
    const context = await browser.newContext({
      javaScriptEnabled: false,
      ignoreHTTPSErrors: true,
      clientCertificates: [
        { origin: tls.origin, cert: Buffer.from(own.certificatePem), key: Buffer.from(own.privateKeyPem) },
      ],
    });
    const page = await context.newPage();
    await page.goto(`${tls.origin}/portal`);
    assert.match(
      await page.locator('main').innerText(),
      /Your browser presented the client certificate of Demo Supplier One/,
    );
    await page.getByRole('button', { name: 'Sign in with your certificate' }).click();
    assert.equal(new URL(page.url()).pathname, '/portal/dashboard');
    assert.match(await page.locator('header').innerText(), /Demo Supplier One \(1000000001\)/);
    await context.close();
  });
});
