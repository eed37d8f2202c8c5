/**
 * Replay and requeue over real sockets (seed §4.9; 2.2.1 facts §3.3-§3.5, §3.9-§3.11): a supplier whose
 * webhook lost messages replays them by time range, MPAN, event code and transaction id, paging with 206
 * and X-Continuation-Token; requeues them to its webhook and follows requeueStatus to Completed; and is
 * refused what is not its own, a tampered token, too many ids and a second requeue in flight.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';

const SDS = '1200000001';
const SUP = '1000000001';
const SUP2 = '1000000002';
const DCP = '1900000001';
const LDSO = '1600000001';
const MPAN_A = '1900000000013';
const MPAN_B = '1900000000022';

type Element = {
  replay: Record<string, string>;
  payload: { CommonBlock: { S0: Record<string, string>; M0: { MPANCore: string }; D0: Record<string, unknown> } };
};
type RequeueStatus = {
  requeueId: string;
  percentComplete: number;
  totalTransactions: number;
  processedTransactions: number;
  status: string;
};

let t: TestDip;
let sink: Sink;
/** Transaction ids by group, in the order sent. */
const sent = { a: [] as string[], b: [] as string[], reactive: [] as string[] };
let between = '';

const request = (over: Record<string, unknown> = {}) => ({
  datetimeFrom: null,
  datetimeTo: null,
  eventCode: null,
  MPAN: null,
  version: null,
  ...over,
});
const post = (as: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
  t.send({ as, channel: 'IF-021', path: `/1.1${path}`, body, headers, transport: 'socket' });
const replay = (body: unknown, headers: Record<string, string> = {}, as = SUP, recipient = SUP) =>
  post(as, `/dip-channel/IF-021/replay/${recipient}`, body, headers);
const elements = (r: Reply): Element[] => JSON.parse(r.text) as Element[];
const ids = (r: Reply): string[] => elements(r).map((e) => e.payload.CommonBlock.D0.transactionID as string);

async function send(count: number, spec: { mpan: string; eventCode?: string }): Promise<string[]> {
  const r = await t.send({
    as: SDS,
    channel: 'IF-021',
    body: t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS', distributor: LDSO, ...spec }, count),
  });
  assert.equal(r.status, 201, r.text.slice(0, 300));
  return r.json.messageArray.map((m) => m.transactionID!);
}

/** Every page of a replay, following X-Continuation-Token. */
async function replayAll(body: unknown): Promise<{ statuses: number[]; ids: string[] }> {
  const out = { statuses: [] as number[], ids: [] as string[] };
  let token: string | undefined;
  for (;;) {
    const r = await replay(body, token ? { 'X-Continuation-Token': token } : {});
    out.statuses.push(r.status);
    out.ids.push(...ids(r));
    if (r.status !== 206) return out;
    token = r.headers['x-continuation-token'] as string;
  }
}

/** The wall clock, which the test moves on instead of waiting: DT-003 date-times have whole seconds. */
let ahead = 0;
const clock = { now: () => Date.now() + ahead };
/**
 * Bounds a broken run only: calls of thousands of messages to a sink in this process take long on a loaded
 * machine, and one the DIP gave up on would be sent again, so the webhook timeout is generous too.
 */
const DEADLINE_MS = 180_000;

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0', replayPageSize: '40', webhookTimeout: '300' }, clock });
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  await t.appoint(MPAN_A, 'SUP', SUP);
  await t.appoint(MPAN_B, 'SUP', SUP);
  assert.equal((await t.subscribe(SUP, 'IF-021', `${sink.url}/sup`)).status, 201);
  sent.a = await send(60, { mpan: MPAN_A });
  ahead += 1_100;
  between = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  ahead += 1_100;
  sent.b = await send(30, { mpan: MPAN_B });
  sent.reactive = await send(10, { mpan: MPAN_B, eventCode: '[ReactivePower]' });
  await sink.waitFor((s) => s.messages().length === 100, DEADLINE_MS);
});
after(async () => {
  await t.close();
  await sink.close();
});

describe('replay', () => {
  test('everything, in pages of 40: 206, 206, 200, each message exactly once, as it was sent and marked as a replay', async () => {
    const all = await replayAll(request());
    assert.deepEqual(all.statuses, [206, 206, 200]);
    assert.deepEqual(all.ids, [...sent.a, ...sent.b, ...sent.reactive]);
    const [first] = elements(await replay(request({ transactionIDs: [sent.a[0]] })));
    const original = (sink.messages()[0] as Element).payload;
    assert.equal(first!.payload.CommonBlock.D0.replayIndicator, true);
    assert.deepEqual(
      { ...first!.payload.CommonBlock.D0, replayIndicator: false },
      original.CommonBlock.D0,
      'D0 keeps the original ids',
    );
    assert.deepEqual(
      { ...first!.payload, CommonBlock: { ...first!.payload.CommonBlock, D0: null } },
      { ...original, CommonBlock: { ...original.CommonBlock, D0: null } },
    );
    assert.match(first!.replay.transactionID!, /^T-RPL-021-1000000001-SUP-\d{8}-[0-9A-F]{16}$/);
    assert.match(first!.replay.correlationID!, /^CI-RPL-\d{8}-[0-9a-f]+$/);
    assert.equal(first!.replay.originalTransactionID, sent.a[0]);
  });

  test('by time range, MPAN, event code and transaction ids', async () => {
    assert.deepEqual((await replayAll(request({ datetimeFrom: between }))).ids, [...sent.b, ...sent.reactive]);
    assert.deepEqual((await replayAll(request({ datetimeTo: between }))).ids, sent.a);
    assert.deepEqual((await replayAll(request({ MPAN: MPAN_B }))).ids, [...sent.b, ...sent.reactive]);
    assert.deepEqual((await replayAll(request({ eventCode: '[ReactivePower]' }))).ids, sent.reactive);
    assert.deepEqual((await replayAll(request({ version: '010' }))).ids, []);
    const picked = [sent.b[3]!, sent.a[7]!, sent.reactive[0]!];
    const r = await replay(request({ transactionIDs: picked }));
    assert.equal(r.status, 200);
    assert.deepEqual(ids(r), [sent.a[7], sent.b[3], sent.reactive[0]]);
  });

  test('a DIP Connection Provider replays for the participants it acts for, and no one else', async () => {
    assert.equal(
      (await replay(request({ transactionIDs: [sent.a[0]] }), {}, DCP, SUP2)).status,
      200,
      'SUP2 assigned its SUP role to the DCP',
    );
    assert.deepEqual(ids(await replay(request(), {}, SUP2, SUP2)), [], 'SUP2 was sent nothing');
    assert.equal((await replay(request(), {}, DCP, SUP)).status, 403);
  });

  test('refused: another participant’s recipient id, a tampered token, more than 100 ids, a malformed request', async () => {
    assert.equal((await replay(request(), {}, SUP2, SUP)).status, 403, 'a participant replays only its own');
    const first = await replay(request());
    const token = first.headers['x-continuation-token'] as string;
    const tampered = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    const bad = await replay(request(), { 'X-Continuation-Token': tampered });
    assert.equal(bad.status, 400);
    assert.match(bad.json.messageArray[0]!.message!, /^MSG1000/);
    assert.equal(
      (await replay(request({ MPAN: MPAN_A }), { 'X-Continuation-Token': token })).status,
      400,
      'a token serves only the request that got it',
    );
    const tooMany = await replay(
      request({
        transactionIDs: Array.from(
          { length: 101 },
          (_, i) => `T-IF-021-${SDS}-SDS-20261128-${String(i).padStart(16, '0')}`,
        ),
      }),
    );
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.json.messageArray[0]!.help!, /at most 100 transactionIDs/);
    const missing = await replay({ datetimeFrom: null });
    assert.equal(missing.status, 400);
    assert.match(missing.json.messageArray[0]!.help!, /datetimeTo, eventCode, MPAN, version required/);
  });
});

describe('hostile requests', () => {
  test('a MessageRequest nested thousands of levels deep is 400 MSG1001 for replay and requeue, not a 500', async () => {
    const deep = JSON.stringify(request()).replace(
      '"eventCode":null',
      `"eventCode":${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    );
    for (const path of [
      `/dip-channel/IF-021/replay/${SUP}`,
      `/dip-channel/IF-021/requeue/${SUP}`,
      `/statusmessage/replay/${SUP}`,
    ]) {
      const r = await t.send({
        as: SUP,
        channel: 'IF-021',
        path: `/1.1${path}`,
        body: null,
        raw: deep,
        transport: 'socket',
      });
      assert.equal(r.status, 400, `${path}: ${r.text.slice(0, 300)}`);
      assert.match(r.json.messageArray[0]!.message!, /^MSG1001/);
      assert.match(r.json.messageArray[0]!.help!, /nested more than 64 levels deep/);
    }
  });

  test('requeue-id given twice is 400 saying so, not a 500', async () => {
    const r = await t.send({
      as: SUP,
      method: 'GET',
      channel: 'IF-021',
      body: undefined,
      transport: 'socket',
      path: `/1.1/dip-channel/IF-021/requeueStatus/${SUP}?requeue-id=a&requeue-id=b`,
    });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.messageArray[0]!.help!, /give requeue-id once/);
  });
});

describe('requeue', () => {
  const status = async (id?: string): Promise<RequeueStatus[]> => {
    const r = await t.send({
      as: SUP,
      method: 'GET',
      channel: 'IF-021',
      body: undefined,
      transport: 'socket',
      path: `/1.1/dip-channel/IF-021/requeueStatus/${SUP}${id ? `?requeue-id=${id}` : ''}`,
    });
    return r.status === 204 ? [] : (JSON.parse(r.text) as RequeueStatus[]);
  };

  test('10,000 messages requeued reach the webhook again, as replays; requeueStatus goes to Completed; a second requeue meanwhile is 429', async () => {
    assert.deepEqual(await status(), [], 'none yet: 204');
    const many: string[] = [];
    for (let i = 0; i < 4; i++) many.push(...(await send(2_500, { mpan: MPAN_A })));
    await sink.waitFor((s) => s.messages().length === 10_100, DEADLINE_MS);
    const from = many[0]!;
    const started = await post(
      SUP,
      `/dip-channel/IF-021/requeue/${SUP}`,
      request({ MPAN: MPAN_A, datetimeFrom: null }),
    );
    assert.equal(started.status, 202, started.text);
    const id = JSON.parse(started.text) as string;
    assert.match(id, /^1000000001-\d{8}-[0-9a-f]+$/);
    const second = await post(SUP, `/dip-channel/IF-021/requeue/${SUP}`, request());
    assert.equal(second.status, 429, 'one requeue in flight per recipient and channel');
    let last: RequeueStatus | undefined;
    for (const deadline = Date.now() + DEADLINE_MS; Date.now() < deadline;) {
      [last] = await status(id);
      if (last?.status === 'Completed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(last, {
      requeueId: id,
      percentComplete: 100,
      totalTransactions: 10_060,
      processedTransactions: 10_060,
      status: 'Completed',
    });
    const again = sink.messages().slice(10_100) as Element[];
    assert.equal(again.length, 10_060);
    assert.ok(
      again.every(
        (e) =>
          e.payload.CommonBlock.D0.replayIndicator === true &&
          e.replay.originalTransactionID === e.payload.CommonBlock.D0.transactionID,
      ),
    );
    assert.deepEqual(new Set(again.map((e) => e.payload.CommonBlock.D0.transactionID)), new Set([...sent.a, ...many]));
    assert.ok(again.some((e) => e.payload.CommonBlock.D0.transactionID === from));
    assert.equal(
      (await post(SUP, `/dip-channel/IF-021/requeue/${SUP}`, request({ transactionIDs: [sent.b[0]] }))).status,
      202,
      'once done, another may start',
    );
    const nowhere = await post(DCP, `/dip-channel/IF-021/requeue/${SUP2}`, request());
    assert.equal(nowhere.status, 400, 'no webhook to requeue to');
    assert.match(nowhere.json.messageArray[0]!.help!, /has no webhook for IF-021 to requeue to/);
  });
});

describe('status messages', () => {
  test('the status messages sent to a participant are replayed by time, and requeued to its status webhook', async () => {
    const statusSink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
    try {
      const from = new Date(Date.now() - 1_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
      // No supplier for this MPAN: the sender is told MSG1038 for each message.
      const unknown = await send(3, { mpan: '1900000000040' });
      const to = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
      const body = { datetimeFrom: from, datetimeTo: to };
      const r = await post(SDS, `/statusmessage/replay/${SDS}`, body);
      assert.equal(r.status, 200, r.text);
      const items = JSON.parse(r.text) as { transactionID: string; message: string; serviceTicketURL: string }[];
      assert.deepEqual(
        items.map((i) => i.transactionID),
        unknown,
      );
      assert.ok(
        items.every((i) => i.serviceTicketURL.endsWith(`/1.1/audit/messages/${i.transactionID}`)),
        'each names the audit record of its transaction',
      );
      assert.ok(
        items.every((i) => /^MSG103[78]/.test(i.message)),
        items[0]?.message,
      );
      assert.equal((await post(SUP, `/statusmessage/replay/${SDS}`, body)).status, 403);
      assert.equal(
        (await post(SDS, `/statusmessage/replay/${SDS}`, { datetimeFrom: from })).status,
        400,
        'both times are required',
      );
      assert.equal((await t.subscribe(SDS, 'STATUS', `${statusSink.url}/status`)).status, 201);
      await statusSink.waitFor((s) => s.statuses().length === 3);
      const requeued = await post(SDS, `/statusmessage/requeue/${SDS}`, { ...body, transactionID: unknown[1] });
      assert.equal(requeued.status, 202, requeued.text);
      await statusSink.waitFor((s) => s.statuses().length === 4);
      assert.equal((statusSink.statuses()[3] as { transactionID: string }).transactionID, unknown[1]);
    } finally {
      await statusSink.close();
    }
  });
});

describe('retention', () => {
  test('messages past their channel’s retention are not replayed, even before housekeeping removes them', async () => {
    const clock = {
      at: Date.now(),
      now() {
        return this.at;
      },
    };
    const d = await startTestDip({ flags: { channelRetention: 'IF-021=1', housekeepingInterval: '3600' }, clock });
    try {
      await d.appoint(MPAN_A, 'SUP', SUP);
      const r = await d.send({
        as: SDS,
        channel: 'IF-021',
        body: d.batch(
          { channel: 'IF-021', sender: SDS, role: 'SDS', distributor: LDSO, mpan: MPAN_A, at: clock.at },
          3,
        ),
      });
      assert.equal(r.status, 201, r.text.slice(0, 300));
      const ask = async () =>
        JSON.parse(
          (
            await d.send({
              as: SUP,
              channel: 'IF-021',
              path: `/1.1/dip-channel/IF-021/replay/${SUP}`,
              body: request(),
              date: new Date(clock.at).toISOString(),
            })
          ).text,
        ) as unknown[];
      assert.equal((await ask()).length, 3);
      clock.at += 2 * 86_400_000;
      assert.deepEqual(await ask(), [], 'a day’s retention for IF-021: gone two days later');
    } finally {
      await d.close();
    }
  });
});
