/**
 * The portal in headless Chromium (Debian's chromium, driven by playwright-core), with JavaScript off to
 * show every page works without it: sign in, search, open a message from the results, sign out.
 * OPENDIP_SCREENSHOTS=<dir> also saves the pages the README shows.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';

const SDS = '1200000001';
const SUP = '1000000001';
const LDSO = '1600000001';
const MPAN = '1900000000013';
const CHROMIUM = process.env.OPENDIP_CHROMIUM ?? '/usr/bin/chromium';
const shots = process.env.OPENDIP_SCREENSHOTS;

let t: TestDip;
let browser: Browser;
let sent: Reply;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  await t.appoint(MPAN, 'SUP', SUP);
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
});

test('without JavaScript a participant signs in, searches by MPAN, opens a message, sets a webhook and signs out', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${t.origin}/portal`);
  assert.equal(new URL(page.url()).pathname, '/portal/sign-in');
  await page.getByLabel('DIP id').fill(SDS);
  await page.getByLabel('API key').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.getByRole('alert').innerText(), /do not match/);
  if (shots) await page.screenshot({ path: join(shots, 'portal-sign-in.png') });
  await page.getByLabel('API key').fill(t.apiKeys[SDS]!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(new URL(page.url()).pathname, '/portal/messages');

  await page.getByLabel('MPAN').fill(MPAN);
  await page.getByRole('button', { name: 'Search' }).click();
  assert.equal(new URL(page.url()).searchParams.get('MPAN'), MPAN);
  const ids = sent.json.messageArray.map((m) => m.transactionID!);
  const rows = page.locator('tbody tr');
  assert.equal(await rows.count(), 3);
  if (shots) await page.screenshot({ path: join(shots, 'portal-messages.png'), fullPage: true });

  await page.getByRole('link', { name: ids[0]! }).click();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Message ${ids[0]}`);
  assert.match(await page.getByLabel('Payload').innerText(), /"MPANCore": "1900000000013"/);
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
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(new URL(page.url()).pathname, `/portal/messages/${id}`);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Message not found');
  await context.close();

  const mine = await browser.newContext({ javaScriptEnabled: false });
  const own = await mine.newPage();
  await own.goto(`${t.origin}${ticket.pathname}`);
  await own.getByLabel('DIP id').fill(SUP);
  await own.getByLabel('API key').fill(t.apiKeys[SUP]!);
  await own.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(await own.getByRole('heading', { level: 1 }).innerText(), `Message ${id}`);
  assert.match(await own.locator('main').innerText(), /Shown to its sender only/);
  await mine.close();
});
