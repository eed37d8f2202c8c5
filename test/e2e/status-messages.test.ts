/**
 * Status messages and the delivery journal: POST /{v}/statusmessage (seed §4.7, Level 4) lets a recipient
 * report a problem with a message it received, relayed to the original sender's status webhook (§4.8), and
 * refused as a whole when any report is not the caller's to make; GET .../deliveryStatus/{recipient}/{SUR}
 * returns the DIPJournalRecord (2.2.1 facts §10) as the asker is entitled to see it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StandardResponseItem } from '../../src/domain/responses.js';
import { formatDateTime } from '../../src/domain/time.js';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import {
  accept,
  copyWhen,
  DCP,
  if004,
  manualClock,
  MSS,
  statusesAbout,
  subscribeAt,
  SUP,
  SUP2,
  surOf,
} from './delivery-support.js';

const REGS = '1100000001';
const DS = '1200000001';
const LDSO = '1600000001';
const EES = '1800000001';
const MPAN = '1900000000031';

const clock = manualClock();
let t: TestDip;
let ok: Sink;
let rejecting: Sink;
let refusing: Sink;
let failing: Sink;
/** The IF-006 every test looks at: REGS to SUP, MSS, the data service and LDSO by MPAN, and EES always. */
let sur: string;
let txn: string;
let seq: number;

const signedDate = () => new Date(clock.now()).toISOString();
const report = (over: Partial<StandardResponseItem> = {}): StandardResponseItem => ({
  transactionID: txn,
  senderUniqueReference: sur,
  correlationID: null,
  sentTimestamp: formatDateTime(clock.now()),
  senderID: SUP,
  recipientID: REGS,
  DIPConnectionProviderID: null,
  message: 'RCP1061 - MPAN Invalid or Unknown',
  help: 'MPAN 1900000000031 is not one we supply',
  serviceTicketURL: null,
  ...over,
});
const postStatus = (as: string, body: unknown): Promise<Reply> =>
  t.send({ as, channel: 'STATUS', path: '/1.1/statusmessage', body, date: signedDate() });
const journal = (as: string, recipient: string, reference = sur, channel = 'IF-006'): Promise<Reply> =>
  t.send({
    as,
    method: 'GET',
    channel,
    path: `/1.1/dip-channel/${channel}/deliveryStatus/${recipient}/${reference}`,
    body: undefined,
    date: signedDate(),
  });
const statusCount = async (): Promise<number> => (await t.dip.store.statusMessagesOf(seq)).length;

before(async () => {
  // A 36 s retry period on a clock the test moves: the dead letter takes no real time.
  t = await startTestDip({ flags: { batchLingerMs: '0', retryHours: '0.01' }, clock });
  const ca = [t.pki.ca.certificatePem];
  [ok, rejecting, refusing, failing] = await Promise.all([
    startSink({ trustedCa: ca }),
    startSink({ trustedCa: ca, behaviour: { reject: { code: 'RCP1061' } } }),
    startSink({ trustedCa: ca, behaviour: { failWith: { status: 401 } } }),
    startSink({ trustedCa: ca, behaviour: { failWith: { status: 503 } } }),
  ]);
  for (const [who, url] of [
    [SUP, ok.url],
    [MSS, rejecting.url],
    [DS, refusing.url],
    [EES, failing.url],
  ] as const) {
    assert.equal((await subscribeAt(t, clock, who, 'IF-006', `${url}/${who}`)).status, 201);
  }
  for (const who of [REGS, SUP])
    assert.equal((await subscribeAt(t, clock, who, 'STATUS', `${ok.url}/status/${who}`)).status, 201);
  await t.appoint(MPAN, 'SUP', SUP);
  await t.appoint(MPAN, 'MS', MSS);
  await t.appoint(MPAN, 'DS', DS);

  const m = t.message({
    channel: 'IF-006',
    sender: REGS,
    role: 'REGS',
    mpan: MPAN,
    distributor: LDSO,
    eventCode: '[MeterInstall]',
    at: clock.now(),
  });
  sur = surOf(m);
  txn = (await accept(t, clock, REGS, 'IF-006', [m])).json.messageArray[0]!.transactionID!;
  seq = (await t.dip.store.messageByReference(sur))!.seq;
  await copyWhen(t, sur, SUP, (c) => c.state === 'delivered', 'delivered to the supplier');
  await copyWhen(t, sur, MSS, (c) => c.state === 'rejected', 'rejected by the metering service');
  await copyWhen(t, sur, DS, (c) => c.state === 'held', 'held for the data service');
  await copyWhen(t, sur, EES, (c) => c.attempts === 1, 'a first failure at the enquiry service');
  clock.advance(40_000);
  t.dip.delivery!.wake();
  await copyWhen(t, sur, EES, (c) => c.state === 'dead', 'dead-lettered for the enquiry service');
  // LDSO had no webhook so far: its copy waited, and now starts failing inside its own retry period.
  assert.equal((await subscribeAt(t, clock, LDSO, 'IF-006', `${failing.url}/${LDSO}`)).status, 201);
  await copyWhen(t, sur, LDSO, (c) => c.attempts === 1, 'a first failure at the distributor');
});
after(async () => {
  await t?.close();
  await Promise.all([ok, rejecting, refusing, failing].map((s) => s?.close()));
});

describe('POST /1.1/statusmessage', () => {
  test("a recipient's report on a message it received is accepted with MSG0000 and reaches the original sender", async () => {
    const item = report();
    const r = await postStatus(SUP, [item]);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.messageArray.length, 1);
    assert.match(r.json.messageArray[0]!.message ?? '', /^MSG0000/);
    await ok.waitFor((s) => statusesAbout(s, txn).some((x) => x.senderID === SUP));
    const relayed = ok
      .calls()
      .filter((c) => c.path === `/status/${REGS}`)
      .flatMap((c) => c.items as StandardResponseItem[]);
    assert.deepEqual(
      relayed.filter((x) => x.senderID === SUP),
      [item],
      'relayed as the recipient wrote it',
    );
  });

  test('a DIP Connection Provider may report for a participant it acts for', async () => {
    const [m] = if004(t, clock, [SUP2]);
    const r = await accept(t, clock, SUP, 'IF-004', [m]);
    const other = r.json.messageArray[0]!.transactionID!;
    const item = report({
      transactionID: other,
      senderUniqueReference: surOf(m!),
      senderID: SUP2,
      recipientID: SUP,
      DIPConnectionProviderID: DCP,
    });
    const reply = await postStatus(DCP, [item]);
    assert.equal(reply.status, 201, reply.text);
    await ok.waitFor((s) => statusesAbout(s, other).length === 1);
    assert.deepEqual(statusesAbout(ok, other)[0], item);
  });

  const refusals: [string, string, () => StandardResponseItem, string?][] = [
    ['a message the caller was not sent', SUP2, () => report({ senderID: SUP2 }), 'MSG1000'],
    [
      'an unknown transaction id',
      SUP,
      () => report({ transactionID: txn.replace(/[0-9a-f]{6}$/, 'fffff0') }),
      'MSG1000',
    ],
    ['a senderID the caller may not act for', SUP, () => report({ senderID: MSS }), 'MSG1009'],
    ['a recipientID that is not the original sender', SUP, () => report({ recipientID: LDSO }), 'MSG1000'],
    ['a sender that is not a participant the DCP acts for', DCP, () => report(), 'MSG1009'],
  ];
  for (const [what, as, item, code] of refusals) {
    test(`refused with 400, nothing relayed: ${what}`, async () => {
      const before = await statusCount();
      const r = await postStatus(as, [item()]);
      assert.equal(r.status, 400, r.text);
      assert.match(r.json.messageArray[0]!.message ?? '', new RegExp(`^${code}`));
      assert.ok((r.json.messageArray[0]!.help ?? '').length > 0, 'says what to fix');
      assert.equal(await statusCount(), before);
    });
  }

  test('refused with 400 when an item lacks any one of the ten keys', async () => {
    const before = await statusCount();
    for (const key of Object.keys(report())) {
      const item: Record<string, unknown> = { ...report() };
      delete item[key];
      const r = await postStatus(SUP, [item]);
      assert.equal(r.status, 400, `without ${key}: ${r.text}`);
      assert.match(r.json.messageArray[0]!.message ?? '', /^MSG1001/, `without ${key}`);
    }
    assert.equal(await statusCount(), before);
  });

  test('items that are not objects are refused with 400 MSG1001, not a 500', async () => {
    const before = await statusCount();
    for (const body of [[null], [report(), 7], ['x', null]]) {
      const r = await postStatus(SUP, body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.messageArray.length, body.length);
      assert.ok(
        r.json.messageArray.every((i) => i.senderID === SUP && /^MSG100[01]/.test(i.message ?? '')),
        r.text,
      );
    }
    assert.equal(await statusCount(), before);
  });

  test('one bad report refuses the whole request: the good one is not relayed either', async () => {
    const before = await statusCount();
    const r = await postStatus(SUP, [report({ help: 'the good one' }), report({ recipientID: LDSO })]);
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(
      r.json.messageArray.map((i) => (i.message ?? '').slice(0, 7)),
      ['MSG1000', 'MSG1000'],
    );
    assert.equal(await statusCount(), before);
  });
});

describe('GET /1.1/dip-channel/{id}/deliveryStatus/{recipient-id}/{SUR}', () => {
  type Entry = Record<string, unknown>;
  const entriesOf = (r: Reply) => (JSON.parse(r.text) as { JournalEntries: Entry[] }).JournalEntries;
  const outbound = (entries: Entry[], who: string) =>
    entries.filter((e) => e.DIPStage === 'Outbound' && e.Recipient === who).map((e) => e.Status);

  test('the sender sees the whole journey: inbound, addressing, every copy and the status messages', async () => {
    await ok.waitFor((s) => statusesAbout(s, txn).filter((x) => x.senderID !== SUP).length >= 2);
    const r = await journal(REGS, REGS);
    assert.equal(r.status, 200, r.text);
    const record = JSON.parse(r.text) as Record<string, unknown>;
    assert.deepEqual(
      [record.Interface, record.SenderUniqueReference, record.DIPTransactionID, record.MPANCore],
      ['IF-006', sur, txn, MPAN],
    );
    const entries = entriesOf(r);
    assert.ok(entries.some((e) => e.DIPStage === 'Inbound' && e.Status === 'GoodToGo'));
    const addressing = entries.find((e) => e.DIPStage === 'Addressing')!;
    const map = addressing.RecipientMap as Record<string, { role: string; dipId: string }[]>;
    assert.deepEqual(map.Primary, []);
    assert.deepEqual(new Set(map.Secondary!.map((x) => x.dipId)), new Set([SUP, MSS, DS, LDSO]));
    assert.deepEqual(map.Always, [{ role: 'EES', dipId: EES }]);
    assert.ok(outbound(entries, SUP).includes('Delivered'));
    assert.ok(outbound(entries, MSS).includes('RejectedByRecipient'));
    assert.ok(outbound(entries, DS).includes('Paused'));
    assert.ok(outbound(entries, EES).includes('RetriesExhausted'));
    assert.ok(outbound(entries, LDSO).includes('Retrying'));
    const statuses = entries.filter((e) => e.DIPStage === 'StatusMessage');
    assert.ok(
      statuses.some((e) => String(e.Message).startsWith('RCP1061') && /test rule/.test(String(e.Reason))),
      'the rejection relayed from the metering service',
    );
    assert.ok(
      statuses.some((e) => /dead-letter/.test(String(e.Reason))),
      'the dead-letter notice',
    );
    assert.deepEqual(
      entries.map((e) => e.rn),
      entries.map((_, i) => i + 1),
    );
    for (const e of entries) {
      for (const key of [
        'TimeGenerated',
        'SenderDIPID',
        'Interface',
        'EventCode',
        'SentDateTime',
        'Duration',
        'MessageDelayInMilliSeconds',
        'SenderUniqueReference',
        'DIPTransactionID',
        'MPANCore',
        'DIPStage',
        'Status',
        'StatusCode',
        'rn',
      ]) {
        assert.ok(key in e, `${String(e.DIPStage)} entry has ${key}`);
      }
    }
  });

  test('each outbound attempt is one entry: a settled failure is not reported twice', async () => {
    const entries = entriesOf(await journal(REGS, REGS));
    assert.deepEqual(outbound(entries, MSS), ['RejectedByRecipient'], 'one attempt, rejected');
    assert.deepEqual(outbound(entries, LDSO), ['Retrying'], 'one attempt so far, to be retried');
    assert.deepEqual(outbound(entries, EES), ['Retrying', 'RetriesExhausted'], 'two attempts, the second one final');
  });

  test('a recipient sees only its own outbound entries, and no status messages', async () => {
    const r = await journal(SUP, SUP);
    assert.equal(r.status, 200, r.text);
    const entries = entriesOf(r);
    assert.deepEqual(outbound(entries, SUP), ['Delivered']);
    assert.deepEqual(
      entries.filter((e) => e.DIPStage === 'Outbound' && e.Recipient !== SUP),
      [],
    );
    assert.deepEqual(
      entries.filter((e) => e.DIPStage === 'StatusMessage'),
      [],
    );
  });

  test("204 for a message that is not the asker's business, that does not exist, or is on another channel", async () => {
    assert.equal((await journal(SUP2, SUP2)).status, 204);
    assert.equal((await journal(SUP, SUP, sur.replace(/[0-9a-f]{4}$/, '0000'))).status, 204);
    assert.equal((await journal(SUP, SUP, sur, 'IF-004')).status, 204);
  });

  test('a SUR of up to 200 characters (DT-995) can be looked up: the path takes it', async () => {
    const [m] = if004(t, clock, [MSS]);
    const s1 = (m!.payload.CommonBlock as { S1: { senderUniqueReference: string } }).S1;
    s1.senderUniqueReference = `${s1.senderUniqueReference}${'a'.repeat(200)}`.slice(0, 200);
    assert.equal((await accept(t, clock, SUP, 'IF-004', [m])).status, 201);
    const r = await journal(SUP, SUP, s1.senderUniqueReference, 'IF-004');
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(
      (JSON.parse(r.text) as { SenderUniqueReference: string }).SenderUniqueReference,
      s1.senderUniqueReference,
    );
  });

  test('403 for a recipient-id the caller does not act for', async () => {
    const r = await journal(SUP, MSS);
    assert.equal(r.status, 403, r.text);
  });
});
