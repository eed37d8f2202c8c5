/**
 * Entitlement by role, end to end: a participant that is both a supplier and a distributor assigns its
 * supplier role to a DIP Connection Provider and keeps its distributor role itself, on the same channel.
 * The DCP configures, receives, replays, requeues, reads and reports on the supplier copies only; the
 * participant's own webhook serves the rest; withdrawing the grant takes the DCP's webhook out of force.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import { type ReceivedCall, type Sink } from '../../src/sink/types.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { copiesOf, surOf, txnOf, until } from './delivery-support.js';

/** The participant: a supplier (its role assigned to the DCP) and a distributor (kept). */
const P = '1000000002';
const DCP = '1900000001';
const OTHER_SUPPLIER = '1000000001';
const SDS = '1200000001';
/** P supplies and distributes here: it receives each message twice, as SUP and as LDSO. */
const BOTH = '1900000001017';
/** P only distributes here: it receives each message as LDSO. */
const LDSO_ONLY = '1900000001026';

let t: TestDip;
let sink: Sink;
before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  await t.dip.registry.saveParticipant({ dipId: P, name: 'Supplier and distributor', roles: ['SUP', 'LDSO'] });
  await t.appoint(BOTH, 'SUP', P);
  await t.appoint(BOTH, 'LDSO', P);
  await t.appoint(LDSO_ONLY, 'SUP', OTHER_SUPPLIER);
  await t.appoint(LDSO_ONLY, 'LDSO', P);
});
after(async () => {
  await t?.close();
  await sink?.close();
});

const signed = (as: string, method: 'POST' | 'GET' | 'DELETE', path: string, body?: unknown): Promise<Reply> =>
  t.send({ as, channel: 'x', method, path: `/1.1${path}`, body, apiKey: null });
const consumption = (mpan: string) => t.message({ channel: 'IF-021', sender: SDS, role: 'SDS', mpan, distributor: P });
/** Calls a webhook took (answered 2xx), in arrival order. */
const callsFor = (path: string): ReceivedCall[] => sink.calls().filter((c) => c.path === path && c.status < 300);
const mpoRoles = (path: string): string[] => [...new Set(callsFor(path).map((c) => (c.mpo as { role: string }).role))];
const delivered = (path: string): string[] => callsFor(path).flatMap((c) => c.items.map(txnOf));
const replayRoles = (r: Reply): string[] =>
  (JSON.parse(r.text) as { replay: { transactionID: string } }[]).map((x) => x.replay.transactionID.split('-')[4]!);

describe('a participant gives one role to a DIP Connection Provider and keeps another itself, on one channel', () => {
  const sent: { both: { sur: string; txn: string }; ldsoOnly: { sur: string; txn: string } } = {} as never;

  test('each configures its webhook: the DCP for the role it was assigned, and no other', async () => {
    assert.equal(
      (await signed(P, 'POST', `/dip-channel/IF-021/pubconfig/${P}`, { callbackURL: `${sink.url}/own` })).status,
      201,
    );
    const dcp = await signed(DCP, 'POST', `/dip-channel/IF-021/pubconfig/${P}`, { callbackURL: `${sink.url}/dcp` });
    assert.equal(dcp.status, 201, dcp.text);
    assert.deepEqual(
      (await t.dip.store.webhooks(P, 'IF-021')).map((w) => [w.role, w.configuredBy]),
      [
        ['', P],
        ['SUP', DCP],
      ],
    );
    for (const method of ['POST', 'DELETE'] as const) {
      const r = await signed(
        DCP,
        method,
        `/dip-channel/IF-021/pubconfig/${P}?role=LDSO`,
        method === 'POST' ? { callbackURL: `${sink.url}/stolen` } : undefined,
      );
      assert.equal(r.status, 403, `${method} as LDSO: ${r.text}`);
      assert.match(r.json.messageArray[0]!.help!, /role LDSO; you may configure SUP/);
    }
    assert.equal(
      (await signed(DCP, 'POST', `/dip-channel/IF-021/pubconfig/${P}?role=NOPE`, { callbackURL: `${sink.url}/x` }))
        .status,
      400,
    );
    assert.equal(
      (await signed(DCP, 'DELETE', `/dip-channel/IF-021/pubconfig/${OTHER_SUPPLIER}`)).status,
      403,
      'nothing for a participant that assigned it nothing',
    );
    assert.deepEqual(
      (await t.dip.store.webhooks(P, 'IF-021')).map((w) => [w.role, w.configuredBy]),
      [
        ['', P],
        ['SUP', DCP],
      ],
      'unchanged',
    );
  });

  test('the supplier copies go to the DCP’s webhook, the distributor copies to the participant’s own', async () => {
    const both = consumption(BOTH);
    const ldsoOnly = consumption(LDSO_ONLY);
    const r = await t.send({ as: SDS, channel: 'IF-021', body: [both, ldsoOnly] });
    assert.equal(r.status, 201, r.text);
    sent.both = { sur: surOf(both), txn: r.json.messageArray[0]!.transactionID! };
    sent.ldsoOnly = { sur: surOf(ldsoOnly), txn: r.json.messageArray[1]!.transactionID! };
    await until(
      async () =>
        [...(await copiesOf(t, sent.both.sur)), ...(await copiesOf(t, sent.ldsoOnly.sur))]
          .filter((c) => c.recipientId === P)
          .every((c) => c.state === 'delivered'),
      'P’s copies delivered',
    );
    assert.deepEqual(delivered('/dcp'), [sent.both.txn]);
    assert.deepEqual(mpoRoles('/dcp'), ['SUP']);
    assert.deepEqual(delivered('/own').sort(), [sent.both.txn, sent.ldsoOnly.txn].sort());
    assert.deepEqual(mpoRoles('/own'), ['LDSO']);
  });

  test('the DCP replays the supplier copies only; the participant replays both roles', async () => {
    const request = { datetimeFrom: null, datetimeTo: null, eventCode: null, MPAN: null, version: null };
    const dcp = await signed(DCP, 'POST', `/dip-channel/IF-021/replay/${P}`, request);
    assert.equal(dcp.status, 200, dcp.text);
    assert.deepEqual(replayRoles(dcp), ['SUP']);
    const own = await signed(P, 'POST', `/dip-channel/IF-021/replay/${P}`, request);
    assert.deepEqual(replayRoles(own).sort(), ['LDSO', 'LDSO', 'SUP']);
  });

  test('the DCP reads the journal and the audit record of what it received, and nothing of the distributor’s', async () => {
    const dcpJournal = await signed(DCP, 'GET', `/dip-channel/IF-021/deliveryStatus/${P}/${sent.both.sur}`);
    assert.equal(dcpJournal.status, 200, dcpJournal.text);
    const outbound = (r: Reply) =>
      (JSON.parse(r.text) as { JournalEntries: { DIPStage: string; Recipient?: string }[] }).JournalEntries.filter(
        (e) => e.DIPStage === 'Outbound' && e.Recipient === P,
      ).length;
    assert.equal(outbound(dcpJournal), 1, 'the SUP copy only');
    assert.equal(
      outbound(await signed(P, 'GET', `/dip-channel/IF-021/deliveryStatus/${P}/${sent.both.sur}`)),
      2,
      'the participant sees both',
    );
    assert.equal(
      (await signed(DCP, 'GET', `/dip-channel/IF-021/deliveryStatus/${P}/${sent.ldsoOnly.sur}`)).status,
      204,
      'received as LDSO only',
    );

    const search = await signed(DCP, 'GET', `/audit/messages?recipientID=${P}`);
    assert.deepEqual(
      (JSON.parse(search.text) as { messages: { transactionID: string }[] }).messages.map((m) => m.transactionID),
      [sent.both.txn],
    );
    assert.equal((await signed(DCP, 'GET', `/audit/messages/${sent.ldsoOnly.txn}`)).status, 204);
    const mine = await signed(P, 'GET', `/audit/messages?recipientID=${P}`);
    assert.deepEqual(
      (JSON.parse(mine.text) as { messages: { transactionID: string }[] }).messages.map((m) => m.transactionID),
      [sent.both.txn, sent.ldsoOnly.txn],
    );
  });

  test('the DCP reports status messages on what it received as supplier, not on what the distributor received', async () => {
    const report = (txn: string, sur: string) => [
      {
        transactionID: txn,
        senderUniqueReference: sur,
        correlationID: null,
        sentTimestamp: new Date().toISOString().slice(0, 19) + '+00:00',
        senderID: P,
        recipientID: SDS,
        DIPConnectionProviderID: DCP,
        message: 'RCP1061 - MPAN Invalid or Unknown',
        help: 'not ours',
        serviceTicketURL: null,
      },
    ];
    const refused = await signed(DCP, 'POST', '/statusmessage', report(sent.ldsoOnly.txn, sent.ldsoOnly.sur));
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.json.messageArray[0]!.help!, /in a role you act in/);
    const relayed = await signed(DCP, 'POST', '/statusmessage', report(sent.both.txn, sent.both.sur));
    assert.equal(relayed.status, 201, relayed.text);
  });

  test('the DCP requeues the supplier copies only, and sees only its own requeues', async () => {
    const request = { datetimeFrom: null, datetimeTo: null, eventCode: null, MPAN: null, version: null };
    // The webhooks refuse for now, so the DCP's requeue stays in progress while the participant asks.
    sink.setBehaviour({ failWith: { status: 503 } });
    const dcp = await signed(DCP, 'POST', `/dip-channel/IF-021/requeue/${P}`, request);
    assert.equal(dcp.status, 202, dcp.text);
    const own = await signed(P, 'POST', `/dip-channel/IF-021/requeue/${P}`, request);
    assert.equal(own.status, 429, 'the participant’s requeue covers SUP, which the DCP’s is requeuing');
    sink.setBehaviour({});
    // The webhook has the copy before the DIP has written down its answer, which ends the requeue.
    await until(
      async () =>
        delivered('/dcp').length === 2 && (await t.dip.store.requeues(P, 'IF-021', null)).every((q) => q.pending === 0),
      'the requeued SUP copy reached the DCP and its requeue ended',
      30_000,
    );
    const both = await signed(P, 'POST', `/dip-channel/IF-021/requeue/${P}`, request);
    assert.equal(both.status, 202, both.text);
    const ids = (r: Reply) =>
      r.status === 204 ? [] : (JSON.parse(r.text) as { requeueId: string }[]).map((x) => x.requeueId);
    assert.deepEqual(
      ids(await signed(DCP, 'GET', `/dip-channel/IF-021/requeueStatus/${P}`)),
      [JSON.parse(dcp.text)],
      'not the participant’s, which covers LDSO too',
    );
    assert.deepEqual(ids(await signed(P, 'GET', `/dip-channel/IF-021/requeueStatus/${P}`)), [
      JSON.parse(both.text),
      JSON.parse(dcp.text),
    ]);
    // The participant's requeue goes where each role's copies go: SUP to the DCP, LDSO to its own webhook.
    await until(
      () => delivered('/dcp').length === 3 && delivered('/own').length === 4,
      'the participant’s requeue delivered',
    );
  });

  test('once the participant withdraws the grant, the DCP’s webhook captures nothing more', async () => {
    await t.dip.registry.revokeDcp(P, 'SUP');
    const before = delivered('/dcp').length;
    const later = consumption(BOTH);
    const r = await t.send({ as: SDS, channel: 'IF-021', body: [later] });
    assert.equal(r.status, 201, r.text);
    const txn = r.json.messageArray[0]!.transactionID!;
    await until(
      () => delivered('/own').filter((x) => x === txn).length === 2,
      'both copies at the participant’s own webhook',
    );
    assert.equal(delivered('/dcp').length, before);
    assert.equal(
      (await signed(DCP, 'POST', `/dip-channel/IF-021/pubconfig/${P}`, { callbackURL: `${sink.url}/dcp` })).status,
      403,
    );
  });
});
