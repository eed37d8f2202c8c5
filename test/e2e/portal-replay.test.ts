/**
 * The portal's replay over inject: the count comes first; the replay is read a page at a time, each page's
 * messages linking to the originals, the next page by its continuation token; a page downloads as the
 * replay API returns it; nothing reaches a webhook; no participant replays another's messages.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { portalClient } from '../helpers/portal.js';

const SDS = '1200000001';
const SUP = '1000000001';
const SUP2 = '1000000002';
const LDSO = '1600000001';
const MPAN = '1900000000013';

let t: TestDip;
let portal: ReturnType<typeof portalClient>;
let sent: string[];

before(async () => {
  // Replay pages of two, so that three messages take two pages.
  t = await startTestDip({ flags: { batchLingerMs: '0', replayPageSize: '2' } });
  portal = portalClient(t);
  await t.appoint(MPAN, 'SUP', SUP);
  const body = t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS', distributor: LDSO, mpan: MPAN }, 3);
  const reply = await t.send({ as: SDS, channel: 'IF-021', body });
  assert.equal(reply.status, 201, reply.text);
  sent = reply.json.messageArray.map((m) => m.transactionID!);
});
after(async () => {
  await t?.close();
});

const originals = (text: string): string[] =>
  [...text.matchAll(/<td>\s*<a href="\/portal\/messages\/([^"]+)"\s*>/g)].map((m) => decodeURIComponent(m[1]!));
const hiddenOf = (text: string, label: string): Record<string, string> => {
  const form = new RegExp(
    `<form method="post" action="/portal/replay"[^>]*>((?:(?!</form>)[^])*?)<button type="submit">${label}</button>`,
  ).exec(text)![1]!;
  return Object.fromEntries(
    [...form.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]),
  );
};

test('the count comes first, then the replay a page at a time, every message once, in order', async () => {
  const { cookie } = await portal.signIn(SUP);
  const counted = await portal.call('GET', '/portal/replay?channel=IF-021', cookie);
  assert.equal(counted.status, 200);
  assert.match(counted.text, /<strong>3<\/strong>\s*IF-021 messages match/);
  assert.match(counted.text, /<button type="submit">Replay 3 messages<\/button>/);

  assert.equal((await portal.call('POST', '/portal/replay', cookie, { csrf: 'stale', channel: 'IF-021' })).status, 403);
  const first = await portal.call('POST', '/portal/replay', cookie, hiddenOf(counted.text, 'Replay 3 messages'));
  assert.equal(first.status, 200, first.text);
  assert.match(first.text, /Page 1: messages 1 to 2; more follow/);
  const next = hiddenOf(first.text, 'Next page');
  assert.ok(next.continuation, 'the next page is asked for by its continuation token');
  const second = await portal.call('POST', '/portal/replay', cookie, next);
  assert.match(second.text, /Page 2: messages 3 to 3, the last/);
  assert.doesNotMatch(second.text, /Next page/);
  assert.deepEqual([...originals(first.text), ...originals(second.text)], sent);
  assert.equal((await t.dip.store.webhooks(SUP, 'IF-021')).length, 0, 'no webhook: nothing was sent anywhere');
});

test('a page downloads as the replay API returns it', async () => {
  const { cookie } = await portal.signIn(SUP);
  const counted = await portal.call('GET', '/portal/replay?channel=IF-021', cookie);
  const first = await portal.call('POST', '/portal/replay', cookie, hiddenOf(counted.text, 'Replay 3 messages'));
  const second = await portal.call('POST', '/portal/replay', cookie, hiddenOf(first.text, 'Next page'));
  const download = await portal.call(
    'POST',
    '/portal/replay',
    cookie,
    hiddenOf(second.text, 'Download this page as JSON'),
  );
  assert.equal(download.status, 200);
  assert.match(String(download.headers['content-type']), /^application\/json/);
  assert.equal(download.headers['content-disposition'], `attachment; filename="replay-IF-021-${SUP}-page2.json"`);
  const items = JSON.parse(download.text) as {
    replay: { transactionID: string; originalTransactionID: string };
    payload: { CommonBlock: { D0: { replayIndicator: boolean } } };
  }[];
  assert.deepEqual(
    items.map((i) => i.replay.originalTransactionID),
    sent.slice(2),
  );
  assert.ok(items.every((i) => i.payload.CommonBlock.D0.replayIndicator));
  // The signed API's own replay of the same page: the same elements but for the replay's new ids.
  const api = await t.send({
    as: SUP,
    channel: 'x',
    method: 'POST',
    path: `/1.1/dip-channel/IF-021/replay/${SUP}`,
    body: { datetimeFrom: null, datetimeTo: null, eventCode: null, MPAN: null, version: null },
    apiKey: null,
  });
  const apiItems = JSON.parse(api.text) as typeof items;
  assert.deepEqual(
    apiItems.map((i) => i.replay.originalTransactionID),
    sent.slice(0, 2),
  );
  const strip = (i: (typeof items)[number]) => i.payload;
  const firstDownload = await portal.call(
    'POST',
    '/portal/replay',
    cookie,
    hiddenOf(first.text, 'Download this page as JSON'),
  );
  assert.deepEqual((JSON.parse(firstDownload.text) as typeof items).map(strip), apiItems.map(strip));
});

test('a participant replays only what it was sent', async () => {
  const other = await portal.signIn(SUP2);
  const counted = await portal.call('GET', '/portal/replay?channel=IF-021', other.cookie);
  assert.match(counted.text, /<strong>0<\/strong>\s*IF-021 messages match/);
  const forced = await portal.call('POST', '/portal/replay', other.cookie, { csrf: other.csrf, channel: 'IF-021' });
  assert.equal(forced.status, 200);
  assert.deepEqual(originals(forced.text), []);
  assert.match(forced.text, /Page 1: messages 0 to 0, the last/);
});
