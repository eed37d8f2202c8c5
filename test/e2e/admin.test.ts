/**
 * The operator API end to end: only a participant holding OPERATOR reaches it (every route, every other
 * participant refused with 403 and audited); holding OPERATOR sends nothing as a market role; and copies a
 * broken webhook left held are delivered once the webhook is fixed and an operator redrives them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_PARTICIPANTS } from '../../src/demo/market.js';
import { ADMIN_ROUTES } from '../../src/http/routes/admin.js';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { callsTo, copiesOf, copyWhen, MSS, SUP, surOf, until } from './delivery-support.js';

const OPERATOR = '9000000001';

describe('the operator API', () => {
  let t: TestDip;
  let mss: Sink;
  before(async () => {
    t = await startTestDip({ flags: { batchLingerMs: '0' } });
    mss = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
    assert.equal((await t.subscribe(MSS, 'IF-004', `${mss.url}/mss`)).status, 201);
  });
  after(async () => {
    await t?.close();
    await mss?.close();
  });

  const admin = (as: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> =>
    t.send({ as, method, channel: 'ADMIN', path: `/1.1${path}`, body, transport: 'socket' });

  test('every admin route refuses every participant that is not an operator, and audits the refusal', async () => {
    const others = DEMO_PARTICIPANTS.filter((p) => !p.roles.includes('OPERATOR'));
    assert.ok(
      others.some((p) => p.roles.includes('DCP')),
      'a DCP is among them',
    );
    for (const [method, path] of ADMIN_ROUTES) {
      for (const p of others) {
        const r = await admin(p.dipId, method, path, method === 'POST' ? { recipient: MSS } : undefined);
        assert.equal(r.status, 403, `${p.dipId} ${method} ${path}: ${r.text}`);
        const [item] = r.json.messageArray;
        assert.match(item!.message!, /^MSG1000 /);
        assert.match(item!.help!, /not an operator of this DIP/);
      }
    }
    await until(
      async () =>
        (await t.dip.store.recentCalls(500)).some(
          (c) => c.path.startsWith('/1.1/admin/') && c.status === 403 && c.callerId === SUP,
        ),
      'the refused admin calls are audited',
    );
  });

  test('holding OPERATOR sends no market message', async () => {
    const batch = t.batch({ channel: 'IF-004', sender: OPERATOR, role: 'SUP', primaryRecipients: [MSS] }, 1);
    const r = await t.send({ as: OPERATOR, channel: 'IF-004', body: batch });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.messageArray[0]!.message!, /^MSG1010 /);
  });

  test('a query the operator API does not understand is refused, saying what is wrong', async () => {
    const r = await admin(OPERATOR, 'GET', '/admin/deliveries/count?state=stuck');
    assert.equal(r.status, 400);
    assert.match(r.json.messageArray[0]!.help!, /state must be one of pending, waiting, held, dead/);
    const body = await admin(OPERATOR, 'POST', '/admin/deliveries/redrive', { state: 'held' });
    assert.equal(body.status, 400);
    assert.match(body.json.messageArray[0]!.help!, /names at least its recipient/);
  });

  test('copies held by a webhook answering 404 are delivered after the webhook is fixed and they are redriven', async () => {
    mss.setBehaviour({ failWith: { status: 404, times: 1_000 } });
    const batch = t.batch({ channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: [MSS] }, 3);
    assert.equal((await t.send({ as: SUP, channel: 'IF-004', body: batch })).status, 201);
    for (const m of batch) await copyWhen(t, surOf(m), MSS, (c) => c.state === 'held', 'held');
    const count = await admin(OPERATOR, 'GET', `/admin/deliveries/count?state=held&recipient=${MSS}`);
    assert.equal(count.status, 200, count.text);
    assert.deepEqual(JSON.parse(count.text), { state: 'held', count: 3, atLeast: false });
    const first = await admin(OPERATOR, 'GET', `/admin/deliveries?state=held&recipient=${MSS}&limit=2`);
    const page1 = JSON.parse(first.text) as {
      copies: { id: number; state: string; lastStatus: number }[];
      next: string;
    };
    assert.deepEqual(
      page1.copies.map((c) => [c.state, c.lastStatus]),
      [
        ['held', 404],
        ['held', 404],
      ],
    );
    const second = await admin(OPERATOR, 'GET', `/admin/deliveries?state=held&recipient=${MSS}&after=${page1.next}`);
    const page2 = JSON.parse(second.text) as { copies: { id: number }[]; next: string | null };
    assert.equal(page2.copies.length, 1);
    assert.equal(page2.next, null);

    mss.setBehaviour({});
    const callsBefore = callsTo(mss, '/mss').length;
    const redriven = await admin(OPERATOR, 'POST', '/admin/deliveries/redrive', {
      recipient: MSS,
      channel: 'IF-004',
      role: 'MSS',
    });
    assert.equal(redriven.status, 200, redriven.text);
    assert.deepEqual(JSON.parse(redriven.text), { redriven: 3, more: false });
    for (const m of batch) await copyWhen(t, surOf(m), MSS, (c) => c.state === 'delivered', 'delivered');
    assert.ok(callsTo(mss, '/mss').length > callsBefore, 'the webhook was called again');
    const journal = await t.dip.store.journalOfReference(surOf(batch[0]!));
    assert.ok(journal.some((e) => e.status === 'Redriven' && e.reason === `redriven by operator ${OPERATOR}`));
    assert.equal((await copiesOf(t, surOf(batch[0]!))).length, 1, 'no copy was added: the held one was delivered');
    const again = await admin(OPERATOR, 'POST', '/admin/deliveries/redrive', { ids: page1.copies.map((c) => c.id) });
    assert.deepEqual(JSON.parse(again.text), { redriven: 0, more: false }, 'delivered copies are not redriven');
  });
});
