/**
 * Webhook registration (2.2.1 facts §3.2, §3.8, §8): POST/DELETE /{v}/dip-channel/{id}/pubconfig/{recipient-id}
 * and /{v}/statusmessage/config/{recipient-id}, signed and authorised like the send API, and what a
 * registration, a replacement and a deletion do to delivery.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import {
  accept,
  callsTo,
  copiesOf,
  copyWhen,
  DCP,
  if004,
  manualClock,
  MSS,
  SUP,
  SUP2,
  surOf,
  txnOf,
} from '../e2e/delivery-support.js';

const SIGNATURE_HEADERS = [
  'X-DIP-Signature-Date',
  'X-DIP-Content-Hash',
  'X-DIP-Signature-Certificate',
  'X-DIP-Signature',
];
const pubconfig = (channel: string, recipient: string) => `/1.1/dip-channel/${channel}/pubconfig/${recipient}`;
const statusConfig = (recipient: string) => `/1.1/statusmessage/config/${recipient}`;

const clock = manualClock();
let t: TestDip;
let sink: Sink;
before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' }, clock });
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
});
after(async () => {
  await t?.close();
  await sink?.close();
});

const call = (
  as: string,
  path: string,
  body?: unknown,
  o: { method?: 'POST' | 'DELETE'; omit?: string[]; raw?: string } = {},
): Promise<Reply> =>
  t.send({
    as,
    channel: 'webhook',
    path,
    body,
    method: o.method ?? 'POST',
    date: new Date(clock.now()).toISOString(),
    ...(o.omit ? { omit: o.omit } : {}),
    ...(o.raw ? { raw: o.raw } : {}),
  });
const remove = (as: string, path: string, o: { omit?: string[] } = {}) =>
  call(as, path, undefined, { method: 'DELETE', ...o });
/** The participant's own, channel-wide webhook. */
const own = async (recipient: string, channel: string) =>
  (await t.dip.store.webhooks(recipient, channel)).find((w) => w.role === '') ?? null;

for (const [name, path, channel] of [
  ['pubconfig', pubconfig('IF-004', MSS), 'IF-004'],
  ['statusmessage/config', statusConfig(MSS), 'STATUS'],
] as const) {
  describe(name, () => {
    test('201 with a valid WebhookConfig; the optional counts default', async () => {
      const r = await call(MSS, path, { callbackURL: 'https://mss.example.com/hooks/in' });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(JSON.parse(r.text), {
        callbackURL: 'https://mss.example.com/hooks/in',
        maxMessageCount: 50_000,
        maxPayloadSize: 100_000,
      });
      const saved = await own(MSS, channel);
      assert.deepEqual(
        [saved?.callbackUrl, saved?.maxMessageCount, saved?.maxPayloadKb],
        ['https://mss.example.com/hooks/in', 50_000, 100_000],
      );
    });

    test('201 with the counts given, and a later registration replaces the earlier one', async () => {
      const r = await call(MSS, path, {
        callbackURL: 'http://127.0.0.1:9/other',
        maxMessageCount: 100,
        maxPayloadSize: 2048,
      });
      assert.equal(r.status, 201, r.text);
      const saved = await own(MSS, channel);
      assert.deepEqual(
        [saved?.callbackUrl, saved?.maxMessageCount, saved?.maxPayloadKb],
        ['http://127.0.0.1:9/other', 100, 2048],
      );
    });

    const invalid: [string, unknown][] = [
      ['no callbackURL', { maxMessageCount: 10 }],
      ['a relative callbackURL', { callbackURL: '/hooks/in' }],
      ['an ftp callbackURL', { callbackURL: 'ftp://mss.example.com/in' }],
      ['a callbackURL that is not a string', { callbackURL: 42 }],
      ['maxMessageCount 0', { callbackURL: 'https://mss.example.com/in', maxMessageCount: 0 }],
      ['a negative maxMessageCount', { callbackURL: 'https://mss.example.com/in', maxMessageCount: -5 }],
      ['a fractional maxMessageCount', { callbackURL: 'https://mss.example.com/in', maxMessageCount: 2.5 }],
      ['maxMessageCount as a string', { callbackURL: 'https://mss.example.com/in', maxMessageCount: '10' }],
      ['maxMessageCount above 50,000', { callbackURL: 'https://mss.example.com/in', maxMessageCount: 50_001 }],
      ['maxPayloadSize 0', { callbackURL: 'https://mss.example.com/in', maxPayloadSize: 0 }],
      ['a negative maxPayloadSize', { callbackURL: 'https://mss.example.com/in', maxPayloadSize: -1 }],
      ['maxPayloadSize as a string', { callbackURL: 'https://mss.example.com/in', maxPayloadSize: 'big' }],
      ['an array body', [{ callbackURL: 'https://mss.example.com/in' }]],
    ];
    for (const [what, body] of invalid) {
      test(`400 for ${what}, and the registration stands`, async () => {
        const before = await own(MSS, channel);
        const r = await call(MSS, path, body);
        assert.equal(r.status, 400, r.text);
        assert.ok((r.json.messageArray?.[0]?.help ?? '').length > 0, 'says what to fix');
        assert.deepEqual(await own(MSS, channel), before);
      });
    }

    test('400 for a body that is not JSON', async () => {
      assert.equal((await call(MSS, path, undefined, { raw: '{"callbackURL": ' })).status, 400);
    });

    test('400 for a body nested thousands of levels deep, not a 500', async () => {
      const r = await call(MSS, path, undefined, { raw: `{"callbackURL":${'['.repeat(20_000)}${']'.repeat(20_000)}}` });
      assert.equal(r.status, 400, r.text.slice(0, 300));
      assert.match(r.json.messageArray[0]!.help!, /nested more than 64 levels deep/);
    });

    test('401 unsigned', async () => {
      const r = await call(MSS, path, { callbackURL: 'https://mss.example.com/in' }, { omit: SIGNATURE_HEADERS });
      assert.equal(r.status, 401, r.text);
      assert.equal((await remove(MSS, path, { omit: SIGNATURE_HEADERS })).status, 401);
    });

    test("403 for another participant's id, for POST and DELETE", async () => {
      const before = await own(MSS, channel);
      assert.equal((await call(SUP, path, { callbackURL: 'https://evil.example.com/in' })).status, 403);
      assert.equal((await remove(SUP, path)).status, 403);
      assert.deepEqual(await own(MSS, channel), before);
    });

    test('a DIP Connection Provider may configure for the participants it acts for, and only for them', async () => {
      const granted = name === 'pubconfig' ? pubconfig('IF-004', SUP2) : statusConfig(SUP2);
      assert.equal((await call(DCP, granted, { callbackURL: 'https://dcp.example.com/sup2' })).status, 201);
      assert.deepEqual(
        (await t.dip.store.webhooks(SUP2, channel)).map((w) => [w.role, w.configuredBy]),
        [['SUP', DCP]],
        'for the role it was assigned, SUP',
      );
      assert.equal(
        (
          await call(DCP, name === 'pubconfig' ? pubconfig('IF-004', SUP) : statusConfig(SUP), {
            callbackURL: 'https://dcp.example.com/sup',
          })
        ).status,
        403,
      );
      assert.equal((await remove(DCP, granted)).status, 204);
      assert.deepEqual(await t.dip.store.webhooks(SUP2, channel), []);
    });

    test('204 on DELETE, and the webhook is gone', async () => {
      const r = await remove(MSS, path);
      assert.equal(r.status, 204, r.text);
      assert.equal(await own(MSS, channel), null);
    });
  });
}

describe('channels', () => {
  test('404 for a channel the DIP does not have', async () => {
    const r = await call(MSS, pubconfig('IF-999', MSS), { callbackURL: 'https://mss.example.com/in' });
    assert.equal(r.status, 404, r.text);
    assert.equal((await remove(MSS, pubconfig('IF-999', MSS))).status, 404);
  });
});

describe('registration and delivery', () => {
  const sendToSup2 = async () => {
    const batch = if004(t, clock, [SUP2]);
    const txn = (await accept(t, clock, SUP, 'IF-004', batch)).json.messageArray[0]!.transactionID!;
    return { sur: surOf(batch[0]!), txn };
  };
  const delivered = (sur: string) => copyWhen(t, sur, SUP2, (c) => c.state === 'delivered', 'delivery');

  test('replacing a webhook redirects later deliveries', async () => {
    assert.equal((await call(SUP2, pubconfig('IF-004', SUP2), { callbackURL: `${sink.url}/first` })).status, 201);
    const one = await sendToSup2();
    await delivered(one.sur);
    assert.equal((await call(SUP2, pubconfig('IF-004', SUP2), { callbackURL: `${sink.url}/second` })).status, 201);
    const two = await sendToSup2();
    await delivered(two.sur);
    assert.deepEqual(
      callsTo(sink, '/first').flatMap((c) => c.items.map(txnOf)),
      [one.txn],
    );
    assert.deepEqual(
      callsTo(sink, '/second').flatMap((c) => c.items.map(txnOf)),
      [two.txn],
    );
  });

  test('after DELETE, copies wait again and go out once a webhook is registered', async () => {
    assert.equal((await remove(SUP2, pubconfig('IF-004', SUP2))).status, 204);
    const waiting = await sendToSup2();
    // Another endpoint served after it shows that the engine has run and left the copy alone.
    assert.equal((await call(MSS, pubconfig('IF-004', MSS), { callbackURL: `${sink.url}/mss` })).status, 201);
    const [probe] = if004(t, clock, [MSS]);
    await accept(t, clock, SUP, 'IF-004', [probe]);
    await copyWhen(t, surOf(probe!), MSS, (c) => c.state === 'delivered', 'the other endpoint served');
    const [copy] = await copiesOf(t, waiting.sur);
    assert.deepEqual([copy!.state, copy!.attempts], ['pending', 0]);
    assert.equal(sink.calls().filter((c) => c.items.some((i) => txnOf(i) === waiting.txn)).length, 0);
    assert.equal((await call(SUP2, pubconfig('IF-004', SUP2), { callbackURL: `${sink.url}/third` })).status, 201);
    await delivered(waiting.sur);
    assert.deepEqual(
      callsTo(sink, '/third').flatMap((c) => c.items.map(txnOf)),
      [waiting.txn],
    );
  });
});
