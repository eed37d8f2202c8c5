/**
 * MSG1039 - Invalid MPAN through the HTTP stack: an MPAN core whose check digit is wrong, wherever the
 * message's schema puts an MPAN, rejects that message only; /validate names it; replay refuses to look for it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ruleFor } from '../../src/catalogue/catalogue.js';
import { leafFor } from '../../src/catalogue/messages.js';
import { DEMO_PARTICIPANTS } from '../../src/demo/market.js';
import { codes, startTestDip, type TestDip } from '../helpers/dip.js';

const SDS = '1200000001';
const SUP = '1000000001';
const BAD = '1900000000015';
const GOOD = '1900000000013';
/** What the help text must say of BAD: the right check digit is 3. */
const SHOULD_BE = /'1900000000015' is not a valid MPAN: its check digit \(the 13th digit\) should be 3/;

type Json = Record<string, unknown>;
let t: TestDip;
before(async () => {
  t = await startTestDip();
});
after(async () => t.close());

const if021 = (mpan?: string) => t.message({ channel: 'IF-021', sender: SDS, role: 'SDS', ...(mpan ? { mpan } : {}) });
const blocks = (m: { payload: Json }) =>
  m.payload as { CommonBlock: Record<string, Json>; CustomBlock: Record<string, Json[]> };

/** A full sample of a channel's event from a demo participant allowed to send it. */
function messageOf(channel: string, eventCode: string): { sender: string; message: { payload: Json } } {
  const leaf = leafFor(t.dip.catalogue, channel, eventCode);
  const senders = ruleFor(t.dip.catalogue.channels.get(channel)!, leaf.eventCode).senders;
  const p = DEMO_PARTICIPANTS.find((x) => x.roles.some((r) => senders.includes(r)))!;
  const role = p.roles.find((r) => senders.includes(r))!;
  return { sender: p.dipId, message: t.message({ channel, eventCode, sender: p.dipId, role, fill: 'full' }) };
}

describe('the send API', () => {
  test('one bad M0.MPANCore in a batch: 207, MSG1039 on that item only, naming the field, the value and the digit; the rest accepted', async () => {
    const body = [if021(GOOD), if021(BAD), if021()];
    const r = await t.send({ as: SDS, channel: 'IF-021', body });
    assert.equal(r.status, 207, r.text);
    assert.deepEqual(codes(r), ['MSG0000', 'MSG1039', 'MSG0000']);
    const bad = r.json.messageArray[1]!;
    assert.equal(bad.message, 'MSG1039 - Invalid MPAN');
    assert.match(bad.help!, /^CommonBlock\.M0\.MPANCore /);
    assert.match(bad.help!, SHOULD_BE);
    assert.equal(bad.transactionID, null);
    assert.equal(
      await t.dip.store.messageByReference(bad.senderUniqueReference!),
      null,
      'the rejected message is not archived',
    );
    for (const i of [0, 2])
      assert.ok(
        await t.dip.store.messageByReference(r.json.messageArray[i]!.senderUniqueReference!),
        `message ${i} archived`,
      );
  });

  test('a request whose every message has a bad MPAN is 400', async () => {
    const r = await t.send({ as: SDS, channel: 'IF-021', body: [if021(BAD), if021('2000056535972')] });
    assert.equal(r.status, 400);
    assert.deepEqual(codes(r), ['MSG1039', 'MSG1039']);
    assert.match(
      r.json.messageArray[1]!.help!,
      /'2000056535972' is not a valid MPAN: its check digit \(the 13th digit\) should be 1/,
    );
  });

  test('the MPAN is checked after field names are matched without regard to case, and named canonically', async () => {
    const raw = JSON.stringify([if021(BAD)])
      .replace('"MPANCore"', '"mpancore"')
      .replace('"M0"', '"m0"');
    const r = await t.send({ as: SDS, channel: 'IF-021', body: null, raw });
    assert.deepEqual(codes(r), ['MSG1039']);
    assert.match(r.json.messageArray[0]!.help!, /^CommonBlock\.M0\.MPANCore '1900000000015'/);
  });

  test('MPANs in the body are checked: M1 and the subsidiary MPAN list of IF-019, a linked MPAN one object inside a list item of IF-002', async () => {
    const related = messageOf('IF-019', '[RelatedAdd]');
    const list = blocks(related.message).CustomBlock.B090List!;
    assert.ok(list.length >= 2, 'a full sample lists two subsidiary MPANs');
    list[1]!.subsidiaryMPAN = BAD;
    const principal = messageOf('IF-019', '[RelatedAdd]');
    blocks(principal.message).CommonBlock.M1!.principalMPAN = BAD;
    const r = await t.send({
      as: related.sender,
      channel: 'IF-019',
      body: [related.message, principal.message, messageOf('IF-019', '[RelatedAdd]').message],
    });
    assert.equal(r.status, 207, r.text);
    assert.deepEqual(codes(r), ['MSG1039', 'MSG1039', 'MSG0000']);
    assert.match(r.json.messageArray[0]!.help!, /^CustomBlock\.B090List\[1\]\.subsidiaryMPAN '1900000000015'/);
    assert.match(r.json.messageArray[1]!.help!, /^CommonBlock\.M1\.principalMPAN '1900000000015'/);

    const meter = messageOf('IF-002', leafFor(t.dip.catalogue, 'IF-002').eventCode);
    (blocks(meter.message).CustomBlock.B907List![0]!.existingMeter as Json).linkedImportExportMPAN = BAD;
    const nested = await t.send({ as: meter.sender, channel: 'IF-002', body: [meter.message] });
    assert.deepEqual(codes(nested), ['MSG1039'], nested.text);
    assert.match(
      nested.json.messageArray[0]!.help!,
      /^CustomBlock\.B907List\[0\]\.existingMeter\.linkedImportExportMPAN '1900000000015'/,
    );
  });

  test('a nullable MPAN field sent null is no MPAN to check', async () => {
    const { sender, message } = messageOf('IF-001', leafFor(t.dip.catalogue, 'IF-001').eventCode);
    for (const item of blocks(message).CustomBlock.B037List!) item.primaryMPAN = null;
    const r = await t.send({ as: sender, channel: 'IF-001', body: [message] });
    assert.equal(r.status, 201, r.text);
  });

  test('who sends is judged before the MPAN: an environment or entitlement failure is reported, not MSG1039', async () => {
    const otherEnvironment = t.message({ channel: 'IF-021', sender: SDS, role: 'SDS', mpan: BAD, environment: 'SIT' });
    const notEntitled = t.message({ channel: 'IF-021', sender: SUP, role: 'SUP', mpan: BAD });
    assert.deepEqual(codes(await t.send({ as: SDS, channel: 'IF-021', body: [otherEnvironment] })), ['MSG1000']);
    assert.deepEqual(codes(await t.send({ as: SUP, channel: 'IF-021', body: [notEntitled] })), ['MSG1010']);
  });
});

describe('/validate', () => {
  const validate = async (body: unknown) => {
    const res = await t.dip.app.inject({
      method: 'POST',
      url: '/validate/IF-021/ActivePower',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    return { status: res.statusCode, text: String(JSON.parse(res.body)) };
  };

  test('names the bad MPAN of each message, also beside schema problems; a good one is OK', async () => {
    assert.deepEqual(await validate([if021(GOOD)]), { status: 201, text: 'Message OK' });
    const broken = if021(BAD);
    (broken.payload.CommonBlock as Record<string, Json>).S1!.subText = 42;
    const r = await validate([if021(GOOD), if021(BAD), broken]);
    assert.equal(r.status, 400);
    assert.match(
      r.text,
      /message 1: MSG1039 - CommonBlock\.M0\.MPANCore '1900000000015' is not a valid MPAN: its check digit \(the 13th digit\) should be 3/,
    );
    assert.match(r.text, /message 2: \/CommonBlock\/S1\/subText: must be string/);
    assert.match(r.text, /message 2: MSG1039 - CommonBlock\.M0\.MPANCore '1900000000015'/);
    assert.doesNotMatch(r.text, /message 0/);
  });
});

describe('replay and requeue', () => {
  const request = (MPAN: string | null) => ({
    datetimeFrom: null,
    datetimeTo: null,
    eventCode: null,
    MPAN,
    version: null,
  });
  const call = (what: 'replay' | 'requeue', MPAN: string | null) =>
    t.send({ as: SUP, channel: 'IF-021', path: `/1.1/dip-channel/IF-021/${what}/${SUP}`, body: request(MPAN) });

  test('a MessageRequest whose MPAN fails its check digit is 400 MSG1039, for replay and requeue alike', async () => {
    for (const what of ['replay', 'requeue'] as const) {
      const r = await call(what, BAD);
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.equal(r.json.messageArray[0]!.message, 'MSG1039 - Invalid MPAN', what);
      assert.match(
        r.json.messageArray[0]!.help!,
        /MessageRequest: MPAN '1900000000015' is not a valid MPAN: its check digit \(the 13th digit\) should be 3/,
      );
    }
    assert.equal((await call('replay', GOOD)).status, 200, 'a valid MPAN is searched for');
    assert.match(
      (await call('replay', '19000')).json.messageArray[0]!.message!,
      /^MSG1001/,
      'the wrong shape is still a schema failure',
    );
  });
});
