/**
 * The operator on a participant's behalf, over real sockets: a replay for a participant answers exactly what
 * the participant's own replay answers (same pages, same continuation tokens, the same obfuscation for its
 * role), refused for an unknown participant or a role it does not hold; a requeue for a participant
 * redelivers to its webhook, reports the progress it would see itself, and is journaled and audited as
 * the operator's, for that participant. (That no other participant reaches these routes is walked by
 * admin.test.ts over ADMIN_ROUTES.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { until } from '../helpers/until.js';
import { surOf } from './delivery-support.js';
import { freshMpan, getAt, ID, sendOne, type Json } from './routing-support.js';

const OPERATOR = '9000000001';
const MPAN = '1900000000013';

type Element = { replay: Record<string, string>; payload: Json };

let t: TestDip;
let sink: Sink;
let sent: string[] = [];
let surs: string[] = [];

const request = (over: Record<string, unknown> = {}) => ({
  datetimeFrom: null,
  datetimeTo: null,
  eventCode: null,
  MPAN: null,
  version: null,
  ...over,
});
const call = (
  as: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> => t.send({ as, method, channel: 'IF-021', path: `/1.1${path}`, body, headers, transport: 'socket' });
/** What a replay answered, without each element's own replay wrapper (fresh ids on every call). */
const payloads = (r: Reply): Json[] => (JSON.parse(r.text) as Element[]).map((e) => e.payload);
const txn = (p: Json): string => getAt(p, '/CommonBlock/D0/transactionID') as string;

/** Every page of a replay, following X-Continuation-Token. */
async function pages(as: string, path: string, body: unknown): Promise<Reply[]> {
  const out: Reply[] = [];
  let token: string | undefined;
  for (;;) {
    const r = await call(as, 'POST', path, body, token ? { 'X-Continuation-Token': token } : {});
    out.push(r);
    if (r.status !== 206) return out;
    token = r.headers['x-continuation-token'] as string;
  }
}

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0', replayPageSize: '4' } });
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  await t.appoint(MPAN, 'SUP', ID.SUP1);
  assert.equal((await t.subscribe(ID.SUP1, 'IF-021', `${sink.url}/sup`)).status, 201);
  const batch = t.batch({ channel: 'IF-021', sender: ID.SDS_ADS, role: 'SDS', distributor: ID.LDSO, mpan: MPAN }, 6);
  surs = batch.map(surOf);
  const r = await t.send({ as: ID.SDS_ADS, channel: 'IF-021', body: batch });
  assert.equal(r.status, 201, r.text.slice(0, 300));
  sent = r.json.messageArray.map((m) => m.transactionID!);
  await sink.waitFor((s) => s.messages().length === 6);
});
after(async () => {
  await t?.close();
  await sink?.close();
});

describe('replay on a participant’s behalf', () => {
  test('answers the supplier’s own replay, page for page, and its tokens are the supplier’s', async () => {
    const own = await pages(ID.SUP1, `/dip-channel/IF-021/replay/${ID.SUP1}`, request());
    const behalf = await pages(OPERATOR, `/admin/dip-channel/IF-021/replay/${ID.SUP1}`, request());
    assert.deepEqual(
      behalf.map((r) => r.status),
      [206, 200],
    );
    assert.deepEqual(
      behalf.map((r) => r.status),
      own.map((r) => r.status),
    );
    assert.deepEqual(behalf.map(payloads), own.map(payloads), 'the same messages, exactly as sent to the supplier');
    assert.deepEqual(behalf.flatMap(payloads).map(txn), sent);
    // A token the operator was given continues the supplier's own request, and the other way round.
    const token = behalf[0]!.headers['x-continuation-token'] as string;
    const continued = await call(ID.SUP1, 'POST', `/dip-channel/IF-021/replay/${ID.SUP1}`, request(), {
      'X-Continuation-Token': token,
    });
    assert.equal(continued.status, 200, continued.text);
    assert.deepEqual(payloads(continued), payloads(own[1]!));
    const back = await call(OPERATOR, 'POST', `/admin/dip-channel/IF-021/replay/${ID.SUP1}`, request(), {
      'X-Continuation-Token': own[0]!.headers['x-continuation-token'] as string,
    });
    assert.deepEqual(payloads(back), payloads(own[1]!));
    await until(
      async () =>
        (await t.dip.store.recentCalls(50)).some(
          (c) =>
            c.path === `/1.1/admin/dip-channel/IF-021/replay/${ID.SUP1}` &&
            c.callerId === OPERATOR &&
            c.onBehalfOf === ID.SUP1 &&
            c.status === 206,
        ),
      'the call is audited as the operator’s, on the supplier’s behalf',
    );
  });

  test('sees what the participant’s role may see: the MDS’s copy of IF-001 withholds the address the supplier gets', async () => {
    const mpan = freshMpan();
    for (const [service, id] of [
      ['SUP', ID.SUP2],
      ['MS', ID.MSS],
      ['DS', ID.SDS_ADS],
      ['MDR', ID.MDR],
      ['REGS', ID.REGS],
    ] as const)
      await t.appoint(mpan, service, id);
    const { payload } = t.message({
      channel: 'IF-001',
      eventCode: '[ChangeOfSupplier]',
      sender: ID.REGS,
      role: 'REGS',
      mpan,
      distributor: ID.LDSO,
      primaryRecipients: [ID.SUP2],
    });
    const m = await sendOne(t, ID.REGS, 'IF-001', payload, 'socket');
    const body = request({ transactionIDs: [m.transactionId] });
    const replay = async (as: string, path: string) => {
      const r = await call(as, 'POST', path, body);
      assert.equal(r.status, 200, r.text);
      return payloads(r);
    };
    const mds = await replay(OPERATOR, `/admin/dip-channel/IF-001/replay/${ID.MDS}`);
    assert.deepEqual(mds, await replay(ID.MDS, `/dip-channel/IF-001/replay/${ID.MDS}`));
    const supplier = await replay(OPERATOR, `/admin/dip-channel/IF-001/replay/${ID.SUP2}`);
    assert.deepEqual(supplier, await replay(ID.SUP2, `/dip-channel/IF-001/replay/${ID.SUP2}`));
    assert.equal(mds.length, 1);
    assert.deepEqual(getAt(supplier[0]!, '/CustomBlock/B022'), getAt(payload, '/CustomBlock/B022'));
    assert.notDeepEqual(getAt(mds[0]!, '/CustomBlock/B022'), getAt(payload, '/CustomBlock/B022'), 'obfuscated');
  });

  test('in one role the participant holds, as its DIP Connection Provider would; refused, saying why, otherwise', async () => {
    const inRole = await pages(OPERATOR, `/admin/dip-channel/IF-021/replay/${ID.SUP1}?role=SUP`, request());
    assert.deepEqual(inRole.flatMap(payloads).map(txn), sent);
    const wrongRole = await call(OPERATOR, 'POST', `/admin/dip-channel/IF-021/replay/${ID.SUP1}?role=LDSO`, request());
    assert.equal(wrongRole.status, 400);
    assert.match(wrongRole.json.messageArray[0]!.message!, /^MSG1000 /);
    assert.equal(wrongRole.json.messageArray[0]!.help, `${ID.SUP1} does not hold the role LDSO: it holds SUP`);
    const twice = await call(OPERATOR, 'GET', `/admin/dip-channel/IF-021/requeueStatus/${ID.SUP1}?role=SUP&role=LDSO`);
    assert.equal(twice.status, 400);
    assert.match(twice.json.messageArray[0]!.help!, /give role once/);
    const unknown = await call(OPERATOR, 'POST', '/admin/dip-channel/IF-021/replay/1099999999', request());
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.messageArray[0]!.message!, /^MSG1000 /);
    assert.match(unknown.json.messageArray[0]!.help!, /no participant 1099999999 is registered with this DIP/);
    const channel = await call(OPERATOR, 'POST', `/admin/dip-channel/IF-999/replay/${ID.SUP1}`, request());
    assert.equal(channel.status, 404);
    assert.match(channel.json.messageArray[0]!.message!, /^MSG1002 /);
  });

  test('a bad request is refused exactly as the participant’s own would be', async () => {
    const body = request({ MPAN: '1900000000014' });
    const own = await call(ID.SUP1, 'POST', `/dip-channel/IF-021/replay/${ID.SUP1}`, body);
    const behalf = await call(OPERATOR, 'POST', `/admin/dip-channel/IF-021/replay/${ID.SUP1}`, body);
    assert.equal(behalf.status, 400);
    assert.deepEqual(
      [behalf.json.messageArray[0]!.message, behalf.json.messageArray[0]!.help],
      [own.json.messageArray[0]!.message, own.json.messageArray[0]!.help],
    );
    assert.match(behalf.json.messageArray[0]!.message!, /^MSG1039 /);
  });
});

describe('requeue on a participant’s behalf', () => {
  test('redelivers to the supplier’s webhook, reports its progress as the supplier sees it, journaled and audited as the operator’s', async () => {
    const before = sink.messages().length;
    const started = await call(
      OPERATOR,
      'POST',
      `/admin/dip-channel/IF-021/requeue/${ID.SUP1}`,
      request({ transactionIDs: sent.slice(0, 2) }),
    );
    assert.equal(started.status, 202, started.text);
    const id = JSON.parse(started.text) as string;
    assert.match(id, new RegExp(`^${ID.SUP1}-\\d{8}-[0-9a-f]{16}$`));
    await sink.waitFor((s) => s.messages().length === before + 2);
    const again = sink.messages().slice(before) as { payload: Json }[];
    assert.deepEqual(again.map((e) => txn(e.payload)).sort(), sent.slice(0, 2).sort());
    assert.ok(again.every((e) => getAt(e.payload, '/CommonBlock/D0/replayIndicator') === true));

    const status = (as: string, path: string) => call(as, 'GET', `${path}?requeue-id=${id}`);
    await until(
      async () =>
        (
          JSON.parse((await status(OPERATOR, `/admin/dip-channel/IF-021/requeueStatus/${ID.SUP1}`)).text) as {
            status: string;
          }[]
        )[0]?.status === 'Completed',
      'the requeue completes',
    );
    const seen = await status(OPERATOR, `/admin/dip-channel/IF-021/requeueStatus/${ID.SUP1}`);
    const own = await status(ID.SUP1, `/dip-channel/IF-021/requeueStatus/${ID.SUP1}`);
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(JSON.parse(seen.text), JSON.parse(own.text));
    assert.deepEqual(JSON.parse(own.text), [
      { requeueId: id, percentComplete: 100, totalTransactions: 2, processedTransactions: 2, status: 'Completed' },
    ]);

    const journal = await t.dip.store.journalOfReference(surs[0]!);
    assert.deepEqual(
      journal.filter((e) => e.status === 'Requeued').map((e) => [e.recipient, e.role, e.reason]),
      [[ID.SUP1, 'SUP', `requeued by operator ${OPERATOR} for ${ID.SUP1}`]],
    );
    const [requeue] = await t.dip.store.requeues(ID.SUP1, 'IF-021', id);
    assert.equal(requeue!.requestedBy, OPERATOR);
    await until(
      async () =>
        (await t.dip.store.recentCalls(50)).some(
          (c) =>
            c.path === `/1.1/admin/dip-channel/IF-021/requeue/${ID.SUP1}` &&
            c.callerId === OPERATOR &&
            c.onBehalfOf === ID.SUP1 &&
            c.status === 202,
        ),
      'the requeue call is audited as the operator’s, on the supplier’s behalf',
    );
  });

  test('a requeue for a participant without a webhook is refused as the participant’s own would be', async () => {
    const r = await call(OPERATOR, 'POST', `/admin/dip-channel/IF-021/requeue/${ID.LDSO}`, request());
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.messageArray[0]!.help!, /1600000001 has no webhook for IF-021 to requeue to/);
  });
});

describe('status messages on a participant’s behalf', () => {
  test('are replayed as the data service’s own replay answers them, and requeued to its status webhook', async () => {
    const from = new Date(Date.now() - 1_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
    // No supplier for this MPAN: the data service is told MSG1038 for each message.
    const r = await t.send({
      as: ID.SDS_ADS,
      channel: 'IF-021',
      body: t.batch(
        { channel: 'IF-021', sender: ID.SDS_ADS, role: 'SDS', distributor: ID.LDSO, mpan: '1900000000040' },
        2,
      ),
    });
    assert.equal(r.status, 201, r.text.slice(0, 300));
    const unknown = r.json.messageArray.map((m) => m.transactionID!);
    const to = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
    const body = { datetimeFrom: from, datetimeTo: to };
    const own = await call(ID.SDS_ADS, 'POST', `/statusmessage/replay/${ID.SDS_ADS}`, body);
    const behalf = await call(OPERATOR, 'POST', `/admin/statusmessage/replay/${ID.SDS_ADS}`, body);
    assert.equal(behalf.status, 200, behalf.text);
    assert.deepEqual(JSON.parse(behalf.text), JSON.parse(own.text));
    assert.deepEqual(
      (JSON.parse(behalf.text) as { transactionID: string }[]).map((i) => i.transactionID),
      unknown,
    );

    const statusSink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
    try {
      assert.equal((await t.subscribe(ID.SDS_ADS, 'STATUS', `${statusSink.url}/status`)).status, 201);
      await statusSink.waitFor((s) => s.statuses().length === 2);
      const requeued = await call(OPERATOR, 'POST', `/admin/statusmessage/requeue/${ID.SDS_ADS}`, {
        ...body,
        transactionID: unknown[1],
      });
      assert.equal(requeued.status, 202, requeued.text);
      await statusSink.waitFor((s) => s.statuses().length === 3);
      assert.equal((statusSink.statuses()[2] as { transactionID: string }).transactionID, unknown[1]);
      const id = JSON.parse(requeued.text) as string;
      const progress = () => call(OPERATOR, 'GET', `/admin/statusmessage/requeueStatus/${ID.SDS_ADS}?requeue-id=${id}`);
      await until(
        async () => (JSON.parse((await progress()).text) as { status: string }[])[0]?.status === 'Completed',
        'the requeue completes',
      );
      const status = await progress();
      assert.equal(status.status, 200, status.text);
      assert.deepEqual(
        JSON.parse(status.text),
        JSON.parse((await call(ID.SDS_ADS, 'GET', `/statusmessage/requeueStatus/${ID.SDS_ADS}?requeue-id=${id}`)).text),
      );
    } finally {
      await statusSink.close();
    }
  });
});
