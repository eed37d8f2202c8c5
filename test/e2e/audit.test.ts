/**
 * The audit trail over real sockets (seed §7): a participant finds its messages by each criterion and
 * reads their journal, never another participant's; every response and every delivered copy carries a
 * service-ticket URL that leads to the message's record.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';

const SDS = '1200000001';
const SUP = '1000000001';
const SUP2 = '1000000002';
const LDSO = '1600000001';
const REGS = '1100000001';
const DCP = '1900000001';
const MPAN_A = '1900000000013';
const MPAN_B = '1900000000022';

type Summary = {
  transactionID: string;
  senderUniqueReference: string;
  MPAN: string;
  senderID: string;
  serviceTicketURL: string;
  recipients: { dipId: string }[];
};
type Page = { messages: Summary[]; next: string | null };

let t: TestDip;
let sink: Sink;
let forA: Reply;
let forB: Reply;

const get = (as: string, path: string): Promise<Reply> =>
  t.send({ as, method: 'GET', channel: 'AUDIT', path, body: undefined, transport: 'socket' });
const search = async (as: string, query: Record<string, string>): Promise<string[]> => {
  const qs = new URLSearchParams(query).toString();
  const r = await get(as, `/1.1/audit/messages${qs ? `?${qs}` : ''}`);
  assert.equal(r.status, 200, r.text);
  return (JSON.parse(r.text) as Page).messages.map((m) => m.transactionID);
};
const txns = (r: Reply): string[] => r.json.messageArray.map((m) => m.transactionID!);

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  await t.appoint(MPAN_A, 'SUP', SUP);
  await t.appoint(MPAN_B, 'SUP', SUP2);
  assert.equal((await t.subscribe(SUP, 'IF-021', `${sink.url}/sup`)).status, 201);
  const send = (mpan: string, count: number) =>
    t.send({
      as: SDS,
      channel: 'IF-021',
      transport: 'socket',
      body: t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS', distributor: LDSO, mpan }, count),
    });
  forA = await send(MPAN_A, 3);
  forB = await send(MPAN_B, 2);
  assert.equal(forA.status, 201);
  assert.equal(forB.status, 201);
  await sink.waitFor((s) => s.messages().length === 3);
});
after(async () => {
  await t.close();
  await sink.close();
});

test('a participant finds its messages by each criterion; others’ stay hidden', async () => {
  const all = [...txns(forA), ...txns(forB)];
  assert.deepEqual(await search(SDS, {}), all, 'the sender sees all it sent');
  assert.deepEqual(await search(SUP, {}), txns(forA), 'the supplier sees what it was addressed');
  assert.deepEqual(await search(SUP2, {}), txns(forB));
  assert.deepEqual(await search(LDSO, { channel: 'IF-021' }), all, 'the distributor was named in every one');
  assert.deepEqual(await search(REGS, {}), [], 'a stranger sees nothing');
  assert.deepEqual(await search(DCP, { MPAN: MPAN_B }), txns(forB), 'a DCP sees what the participants it acts for see');
  assert.deepEqual(await search(SDS, { MPAN: MPAN_B }), txns(forB));
  assert.deepEqual(await search(SDS, { transactionID: txns(forA)[1]! }), [txns(forA)[1]]);
  assert.deepEqual(await search(SDS, { senderUniqueReference: forB.json.messageArray[0]!.senderUniqueReference! }), [
    txns(forB)[0],
  ]);
  assert.deepEqual(await search(SDS, { senderID: SDS, recipientID: SUP2 }), txns(forB));
  assert.deepEqual(await search(SUP, { recipientID: SUP2 }), [], 'naming someone else as receiver shows nothing more');
  assert.deepEqual(
    await search(SDS, { datetimeFrom: '2000-01-01T00:00:00+00:00', datetimeTo: '2000-12-31T00:00:00+00:00' }),
    [],
  );
  const paged = await get(SDS, '/1.1/audit/messages?limit=2');
  const page = JSON.parse(paged.text) as Page;
  assert.deepEqual(
    page.messages.map((m) => m.transactionID),
    all.slice(0, 2),
  );
  assert.deepEqual(await search(SDS, { after: page.next! }), all.slice(2));
  assert.equal((await get(SDS, '/1.1/audit/messages?colour=blue')).status, 400);
  assert.equal(
    (await get(SDS, '/1.1/audit/messages?channel=IF-021&channel=IF-013')).status,
    400,
    'a parameter given twice',
  );
  const withJournal = JSON.parse((await get(SUP, `/1.1/audit/messages?MPAN=${MPAN_A}&journal=true`)).text) as {
    messages: (Summary & { journal: { DIPTransactionID: string; JournalEntries: unknown[] } })[];
  };
  assert.deepEqual(
    withJournal.messages.map((m) => m.journal.DIPTransactionID),
    txns(forA),
    'each found message with its journal',
  );
  assert.ok(withJournal.messages.every((m) => m.journal.JournalEntries.length > 0));
});

test('the service-ticket URL of a response and of a delivered copy leads to the message’s record and journal', async () => {
  const item = forA.json.messageArray[0]!;
  const url = new URL(item.serviceTicketURL!);
  assert.equal(url.pathname, `/1.1/audit/messages/${item.transactionID}`);
  const delivered = sink.messages()[0] as {
    payload: { CommonBlock: { D0: { transactionID: string; serviceTicketURL: string } } };
  };
  assert.equal(delivered.payload.CommonBlock.D0.serviceTicketURL, item.serviceTicketURL, 'egress carries the same URL');
  const r = await get(SDS, url.pathname);
  assert.equal(r.status, 200, r.text);
  const record = JSON.parse(r.text) as {
    message: Summary;
    journal: { DIPTransactionID: string; JournalEntries: { DIPStage: string }[] };
  };
  assert.equal(record.message.senderUniqueReference, item.senderUniqueReference);
  assert.equal(record.journal.DIPTransactionID, item.transactionID);
  assert.ok(record.journal.JournalEntries.some((e) => e.DIPStage === 'Inbound'));
  assert.equal((await get(SUP, url.pathname)).status, 200, 'a recipient reads it too');
  assert.equal((await get(REGS, url.pathname)).status, 204, 'a stranger gets nothing');
});

test('a participant lists its own API calls', async () => {
  const r = await get(SDS, '/1.1/audit/calls?channel=IF-021');
  assert.equal(r.status, 200, r.text);
  const calls = (JSON.parse(r.text) as { calls: { callerId: string; path: string; accepted: number }[] }).calls;
  assert.deepEqual(
    calls.map((c) => [c.callerId, c.path, c.accepted]),
    [
      [SDS, '/1.1/dip-channel/IF-021', 2],
      [SDS, '/1.1/dip-channel/IF-021', 3],
    ],
  );
  // The call log writes its buffer once a second; flushed, the supplier's own webhook call on IF-021 is listed.
  await t.dip.callLog.flush();
  const theirs = JSON.parse((await get(SUP, '/1.1/audit/calls?channel=IF-021')).text) as {
    calls: { callerId: string; path: string }[];
  };
  assert.deepEqual(
    theirs.calls.filter((c) => c.callerId !== SUP || c.path === '/1.1/dip-channel/IF-021'),
    [],
    'none of the sender’s calls',
  );
});

test('every call is audited, not only sends: a webhook registration, a search and a refusal', async () => {
  await get(SUP, '/1.1/audit/messages?limit=1');
  await get(SUP, '/1.1/audit/messages?colour=blue');
  await t.dip.callLog.flush();
  const r = await get(SUP, '/1.1/audit/calls');
  const calls = (
    JSON.parse(r.text) as { calls: { method: string; path: string; status: number; outcome: string | null }[] }
  ).calls;
  const seen = calls.map((c) => `${c.method} ${c.path} ${c.status}`);
  assert.ok(seen.includes(`POST /1.1/dip-channel/IF-021/pubconfig/${SUP} 201`), seen.join('\n'));
  assert.ok(seen.includes('GET /1.1/audit/messages?limit=1 200'), seen.join('\n'));
  assert.ok(
    calls.some((c) => c.status === 400 && /unknown search parameter colour/.test(c.outcome ?? '')),
    seen.join('\n'),
  );
});
