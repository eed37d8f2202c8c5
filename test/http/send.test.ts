/** The send API end to end through the HTTP stack: every status and MSG code of Level 1 validation. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { StandardResponse } from '../../src/domain/responses.js';
import { codes, startTestDip, type TestDip } from '../helpers/dip.js';
import { participantSignature } from '../helpers/signer.js';

const SDS = '1200000001';
const SUP = '1000000001';
const SUP2 = '1000000002';
const DCP = '1900000001';
const MSS = '1300000001';
const REGS = '1100000001';

let t: TestDip;
before(async () => {
  t = await startTestDip();
});
after(async () => t.close());

const if021 = (over: Record<string, unknown> = {}) =>
  t.message({ channel: 'IF-021', sender: SDS, role: 'SDS', ...over });

describe('accepting messages', () => {
  test('a valid batch is accepted with 201 and one StandardResponse item per message, all ten keys present', async () => {
    const body = t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS' }, 3);
    const r = await t.send({ as: SDS, channel: 'IF-021', body });
    assert.equal(r.status, 201);
    assert.equal(r.json.messageArray.length, 3);
    assert.match(r.json.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    r.json.messageArray.forEach((item, i) => {
      assert.deepEqual(Object.keys(item).sort(), [
        'DIPConnectionProviderID',
        'correlationID',
        'help',
        'message',
        'recipientID',
        'senderID',
        'senderUniqueReference',
        'sentTimestamp',
        'serviceTicketURL',
        'transactionID',
      ]);
      assert.equal(item.message, 'MSG0000 - Success');
      assert.equal(item.help, null);
      assert.equal(item.senderID, SDS);
      assert.equal(item.correlationID, null, 'IF-021 starts no workflow');
      assert.equal(
        item.senderUniqueReference,
        (body[i]!.payload.CommonBlock as { S1: { senderUniqueReference: string } }).S1.senderUniqueReference,
      );
      assert.match(item.transactionID!, new RegExp(`^T-IF-021-${SDS}-SDS-\\d{8}-[0-9A-F]{16}$`));
      assert.equal(item.sentTimestamp.length, 25);
    });
    const ids = r.json.messageArray.map((i) => i.transactionID!);
    assert.deepEqual([...ids].sort(), ids, 'transaction ids ascend within the channel');
    assert.equal(new Set(ids).size, 3);
  });

  test('accepted messages are archived with their journal entry and the API call is audited', async () => {
    const body = [if021()];
    const r = await t.send({ as: SDS, channel: 'IF-021', body });
    const sur = r.json.messageArray[0]!.senderUniqueReference!;
    const archived = await t.dip.store.messageByReference(sur);
    assert.ok(archived);
    assert.equal(archived.transactionId, r.json.messageArray[0]!.transactionID);
    assert.equal(archived.callerId, SDS);
    assert.deepEqual(JSON.parse(archived.payload.toString()), body[0]!.payload);
    const inbound = (await t.dip.store.journalOf(archived.seq)).filter((e) => e.stage === 'Inbound');
    assert.equal(inbound.length, 1);
    assert.equal(inbound[0]!.status, 'GoodToGo');
    assert.equal(inbound[0]!.transactionId, archived.transactionId);
    const calls = await t.dip.store.recentCalls(1);
    assert.equal(calls[0]!.status, 201);
    assert.equal(calls[0]!.callerId, SDS);
  });

  test('field names are matched regardless of case and archived in the canonical spelling; values are kept', async () => {
    const msg = if021();
    const common = msg.payload.CommonBlock as Record<string, Record<string, unknown>>;
    const s0 = common.S0!;
    const text = JSON.stringify([msg])
      .replace('"interfaceID"', '"InterfaceID"')
      .replace('"senderDIPID"', '"senderDipId"')
      .replace('"CommonBlock"', '"commonblock"');
    const r = await t.send({ as: SDS, channel: 'IF-021', body: null, raw: text });
    assert.equal(r.status, 201, r.text);
    const archived = await t.dip.store.messageByReference(r.json.messageArray[0]!.senderUniqueReference!);
    const stored = JSON.parse(archived!.payload.toString()) as {
      CommonBlock: { S0: unknown; S1: { senderDIPID: string } };
    };
    assert.deepEqual(stored.CommonBlock.S0, s0);
    assert.equal(stored.CommonBlock.S1.senderDIPID, SDS);
    const lower = JSON.stringify([if021()]).replace(/"\[ActivePower\]"/, '"[activepower]"');
    const rejected = await t.send({ as: SDS, channel: 'IF-021', body: null, raw: lower });
    assert.equal(rejected.status, 400, 'data values are case sensitive');
    assert.deepEqual(codes(rejected), ['MSG1001']);
  });

  test("workflow channels create a correlation id; responses carry the sender's through", async () => {
    const created = await t.send({
      as: MSS,
      channel: 'IF-005',
      body: [t.message({ channel: 'IF-005', sender: MSS, role: 'MSS' })],
    });
    assert.equal(created.status, 201, created.text);
    const ci = created.json.messageArray[0]!.correlationID!;
    assert.match(ci, /^CI-\d{8}-[0-9a-f]{32}$/);
    const archived = await t.dip.store.messageByReference(created.json.messageArray[0]!.senderUniqueReference!);
    assert.equal(archived!.correlationId, ci);

    const reply = await t.send({
      as: REGS,
      channel: 'IF-006',
      body: [t.message({ channel: 'IF-006', sender: REGS, role: 'REGS', correlationId: ci })],
    });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(reply.json.messageArray[0]!.correlationID, ci, 'IF-006 copies the IF-005 correlation id');
    const copied = await t.dip.store.messageByReference(reply.json.messageArray[0]!.senderUniqueReference!);
    assert.equal(copied!.correlationId, ci);
  });

  test('a DIP Connection Provider sends for the participants that assigned it the role', async () => {
    const body = [t.message({ channel: 'IF-031', sender: SUP2, role: 'SUP', dcp: DCP })];
    const r = await t.send({ as: DCP, channel: 'IF-031', body });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.messageArray[0]!.senderID, SUP2);
    assert.equal(r.json.messageArray[0]!.DIPConnectionProviderID, DCP);
    assert.equal((await t.dip.store.messageByReference(r.json.messageArray[0]!.senderUniqueReference!))!.callerId, DCP);
  });

  test('the primary recipient is echoed as recipientID', async () => {
    const r = await t.send({
      as: SUP,
      channel: 'IF-024',
      body: [t.message({ channel: 'IF-024', sender: SUP, role: 'SUP', primaryRecipients: [SDS] })],
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.messageArray[0]!.recipientID, SDS);
  });
});

describe('rejecting messages (Level 1)', () => {
  test('one schema failure rejects the whole request with 400; the failing item says why', async () => {
    const bad = if021();
    delete (bad.payload.CommonBlock as Record<string, unknown>).M0;
    const r = await t.send({ as: SDS, channel: 'IF-021', body: [if021(), bad, if021()] });
    assert.equal(r.status, 400);
    assert.deepEqual(codes(r), ['MSG1000', 'MSG1001', 'MSG1000']);
    assert.match(r.json.messageArray[1]!.help!, /missing required property 'M0'/);
    assert.match(r.json.messageArray[0]!.help!, /message 1/);
    assert.equal(r.json.messageArray[0]!.transactionID, null);
    assert.equal(
      await t.dip.store.messageByReference(r.json.messageArray[0]!.senderUniqueReference!),
      null,
      'nothing archived',
    );
  });

  test('unknown event codes and schema versions are schema failures with a hint', async () => {
    const bracketless = if021();
    (bracketless.payload.CommonBlock as { S0: { eventCode: string } }).S0.eventCode = 'ActivePower';
    const r = await t.send({ as: SDS, channel: 'IF-021', body: [bracketless] });
    assert.deepEqual(codes(r), ['MSG1001']);
    assert.match(r.json.messageArray[0]!.help!, /square brackets: '\[ActivePower\]'/);
    const version = if021();
    (version.payload.CommonBlock as { S0: { schemaVersion: string } }).S0.schemaVersion = '010';
    const v = await t.send({ as: SDS, channel: 'IF-021', body: [version] });
    assert.match(
      v.json.messageArray[0]!.help!,
      /schemaVersion: "010" is not accepted for IF-021 \[ActivePower\]; send one of 011/,
    );
  });

  test("data checks reject only the failing messages: 207 with each item's code", async () => {
    const wrongInterface = t.message({ channel: 'IF-005', sender: SDS, role: 'SDS' });
    const wrongEnv = if021({ environment: 'SIT' });
    const stranger = if021({ sender: '9999999999' });
    const notCaller = if021({ sender: '1200000002', role: 'ADS' });
    const roleNotHeld = if021({ role: 'UMSDS' });
    const badSur = if021({ sur: `S-IF-005-${SDS}-SDS-20240101-x` });
    const future = if021({ at: Date.now() + 3_600_000 });
    const badCorrelation = if021({ correlationId: 'not-a-ci' });
    const ok = if021();
    const body = [wrongInterface, wrongEnv, stranger, notCaller, roleNotHeld, badSur, future, badCorrelation, ok];
    const r = await t.send({ as: SDS, channel: 'IF-021', body });
    assert.equal(r.status, 207, r.text);
    assert.deepEqual(codes(r), [
      'MSG1002',
      'MSG1000',
      'MSG1009',
      'MSG1009',
      'MSG1010',
      'MSG1006',
      'MSG1007',
      'MSG1012',
      'MSG0000',
    ]);
    const help = r.json.messageArray.map((i) => i.help ?? '');
    assert.match(help[0]!, /interfaceID 'IF-005' does not match the channel IF-021/);
    assert.match(help[1]!, /environmentTag 'SIT'.*'DEV'/);
    assert.match(help[2]!, /not a registered DIP participant/);
    assert.match(help[3]!, /may only send as itself/);
    assert.match(help[4]!, /not a role of 1200000001/);
    assert.match(help[5]!, /interface part/);
    assert.match(help[6]!, /in the future/);
    assert.match(help[7]!, /not a DIP workflow correlation id/);
    assert.equal(r.json.messageArray[8]!.help, null);
  });

  test('a role not entitled to send on the channel is MSG1010', async () => {
    const r = await t.send({
      as: SUP,
      channel: 'IF-021',
      body: [t.message({ channel: 'IF-021', sender: SUP, role: 'SUP' })],
    });
    assert.deepEqual(codes(r), ['MSG1010']);
    assert.match(
      r.json.messageArray[0]!.help!,
      /role SUP may not send IF-021 \[ActivePower\]; senders are SDS, ADS, UMSDS/,
    );
  });

  test('a malformed senderTimestamp is MSG1007', async () => {
    const m = if021();
    (m.payload.CommonBlock as { S1: { senderTimestamp: string } }).S1.senderTimestamp = '2024-02-30T10:00:00+00:00';
    const r = await t.send({ as: SDS, channel: 'IF-021', body: [m] });
    assert.deepEqual(codes(r), ['MSG1007']);
    assert.equal(r.status, 400, 'nothing accepted');
  });

  test('DIP Connection Provider rules are MSG1011', async () => {
    const cases = [
      t.message({ channel: 'IF-031', sender: SUP2, role: 'SUP', dcp: null }),
      t.message({ channel: 'IF-031', sender: SUP2, role: 'SUP', dcp: '1900000009' }),
      t.message({ channel: 'IF-031', sender: SUP, role: 'SUP', dcp: DCP }),
    ];
    const r = await t.send({ as: DCP, channel: 'IF-031', body: cases });
    assert.deepEqual(codes(r), ['MSG1011', 'MSG1011', 'MSG1011']);
    assert.match(r.json.messageArray[2]!.help!, /not the DIP Connection Provider of 1000000001/);
    const own = await t.send({
      as: SUP,
      channel: 'IF-031',
      body: [t.message({ channel: 'IF-031', sender: SUP, role: 'SUP', dcp: DCP })],
    });
    assert.deepEqual(codes(own), ['MSG1011'], 'a participant sending itself names no DCP');
  });

  test('a duplicate SUR is refused within a request and across requests', async () => {
    const m = if021();
    const twice = await t.send({ as: SDS, channel: 'IF-021', body: [m, m] });
    assert.equal(twice.status, 207);
    assert.deepEqual(codes(twice), ['MSG0000', 'MSG1006']);
    assert.match(twice.json.messageArray[1]!.help!, /also used by message 0/);
    const again = await t.send({ as: SDS, channel: 'IF-021', body: [m] });
    assert.equal(again.status, 400);
    assert.deepEqual(codes(again), ['MSG1006']);
    assert.match(again.json.messageArray[0]!.help!, /already accepted/);
  });

  test('IF-016 is published by the DIP only', async () => {
    const r = await t.send({
      as: '1200000002',
      channel: 'IF-016',
      body: [t.message({ channel: 'IF-016', sender: '1200000002', role: 'ADS' })],
    });
    assert.deepEqual(codes(r), ['MSG1010']);
    assert.match(r.json.messageArray[0]!.help!, /published by the DIP itself/);
  });
});

describe('refusing requests', () => {
  test('malformed JSON, a non-array envelope and items without payload are 400 MSG1001', async () => {
    const malformed = await t.send({ as: SDS, channel: 'IF-021', body: null, raw: '[{"payload": ' });
    assert.equal(malformed.status, 400);
    assert.deepEqual(codes(malformed), ['MSG1001']);
    assert.match(malformed.json.messageArray[0]!.help!, /not valid JSON/);
    const object = await t.send({ as: SDS, channel: 'IF-021', body: if021() });
    assert.equal(object.status, 400);
    assert.match(object.json.messageArray[0]!.help!, /must be a JSON array/);
    const noPayload = await t.send({ as: SDS, channel: 'IF-021', body: [if021(), { message: {} }, 'x'] });
    assert.equal(noPayload.status, 400);
    assert.deepEqual(codes(noPayload), ['MSG1000', 'MSG1001', 'MSG1001']);
    const brokenItem = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: null,
      raw: `[${JSON.stringify(if021())}, {"payload": tru}]`,
    });
    assert.deepEqual(codes(brokenItem), ['MSG1000', 'MSG1001']);
    assert.match(brokenItem.json.messageArray[1]!.help!, /message 1 is not valid JSON/);
  });

  test('an empty body or empty array is 400 MSG5002', async () => {
    for (const raw of ['', '[]', '  ']) {
      const r = await t.send({ as: SDS, channel: 'IF-021', body: null, raw });
      assert.equal(r.status, 400, raw);
      assert.deepEqual(codes(r), ['MSG5002']);
    }
  });

  test('an unknown channel or API version is 404', async () => {
    const r = await t.send({ as: SDS, channel: 'IF-099', body: [if021()] });
    assert.equal(r.status, 404);
    assert.deepEqual(codes(r), ['MSG1002']);
    const v = await t.send({ as: SDS, channel: 'IF-021', path: '/9.9/dip-channel/IF-021', body: [if021()] });
    assert.equal(v.status, 404);
    const lower = await t.send({ as: SDS, channel: 'IF-021', path: '/1.1/dip-channel/if-021', body: [if021()] });
    assert.equal(lower.status, 201, 'URL case is not enforced on ingress');
  });

  test('missing or wrong signature headers are 401', async () => {
    for (const h of ['X-DIP-Signature', 'X-DIP-Signature-Date', 'X-DIP-Content-Hash', 'X-DIP-Signature-Certificate']) {
      const r = await t.send({ as: SDS, channel: 'IF-021', body: [if021()], omit: [h] });
      assert.equal(r.status, 401, h);
      assert.match(r.json.messageArray[0]!.help!, new RegExp(h));
    }
    const hash = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: [if021()],
      headers: { 'X-DIP-Content-Hash': 'AAAA' },
    });
    assert.equal(hash.status, 401);
    assert.match(hash.json.messageArray[0]!.help!, /Content-Hash/);
    const otherUrl = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: [if021()],
      signedUrl: 'http://localhost:80/1.1/dip-channel/IF-005',
    });
    assert.equal(otherUrl.status, 401);
    assert.match(
      otherUrl.json.messageArray[0]!.help!,
      /does not verify.*http:\/\/localhost:80\/1\.1\/dip-channel\/if-021/,
    );
    const otherKey = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: [if021()],
      key: t.pki.participants[SUP]!.privateKeyPem,
    });
    assert.equal(otherKey.status, 401);
  });

  test('certificates: expired MSG1014, foreign issuer MSG1013, unregistered and not yet valid 401', async () => {
    const as = (c: { certificatePem: string; privateKeyPem: string }) =>
      t.send({
        as: SUP,
        channel: 'IF-024',
        body: [t.message({ channel: 'IF-024', sender: SUP, role: 'SUP' })],
        cert: c.certificatePem,
        key: c.privateKeyPem,
        apiKey: null,
      });
    const expired = await as(t.pki.expired);
    assert.equal(expired.status, 401);
    assert.deepEqual(codes(expired), ['MSG1014']);
    const foreign = await as(t.pki.untrusted);
    assert.equal(foreign.status, 401);
    assert.deepEqual(codes(foreign), ['MSG1013']);
    const unregistered = await as(t.pki.unregistered);
    assert.equal(unregistered.status, 401);
    assert.match(unregistered.json.messageArray[0]!.help!, /not registered/);
    const early = await as(t.pki.notYetValid);
    assert.equal(early.status, 401);
    assert.match(early.json.messageArray[0]!.help!, /not valid until/);
    const second = await as(t.pki.secondSupplierOne);
    assert.equal(second.status, 201, 'a participant may register several certificates');
  });

  test('a signature date outside the skew window is 401', async () => {
    const old = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: [if021()],
      date: new Date(Date.now() - 3_600_000).toISOString(),
    });
    assert.equal(old.status, 401);
    assert.match(old.json.messageArray[0]!.help!, /not within 300 s/);
  });

  test('an unknown API key is 401; one belonging to someone else is 403; none is fine by default', async () => {
    const unknown = await t.send({ as: SDS, channel: 'IF-021', body: [if021()], apiKey: 'nope' });
    assert.equal(unknown.status, 401);
    const other = await t.send({ as: SDS, channel: 'IF-021', body: [if021()], apiKey: t.apiKeys[SUP]! });
    assert.equal(other.status, 403);
    assert.match(other.json.messageArray[0]!.help!, /belongs to 1000000001 but the request is signed by 1200000001/);
    const none = await t.send({ as: SDS, channel: 'IF-021', body: [if021()], apiKey: null });
    assert.equal(none.status, 201);
  });

  test('the older X-DIP-Certificate header and CRLF certificates are accepted', async () => {
    const legacy = await t.send({ as: SDS, channel: 'IF-021', body: [if021()], legacyCertificateHeader: true });
    assert.equal(legacy.status, 201);
    const crlf = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: [if021()],
      cert: t.pki.participants[SDS]!.certificatePem.replace(/\n/g, '\r\n'),
    });
    assert.equal(crlf.status, 201);
  });

  test('a credential header sent twice is 401 naming it, even when its first value is the right one', async () => {
    // Node joins repeated headers with ", "; base64 decoding the joined value used to read the first one alone.
    const body = JSON.stringify([if021()]);
    const url = `${t.origin}/1.1/dip-channel/IF-021`;
    const own = t.pki.participants[SDS]!;
    const signed = participantSignature({
      method: 'POST',
      url,
      body,
      keyPem: own.privateKeyPem,
      certPem: own.certificatePem,
    });
    for (const name of ['X-DIP-Signature', 'X-DIP-Signature-Certificate', 'X-API-Key']) {
      const first = name === 'X-API-Key' ? t.apiKeys[SDS]! : signed[name]!;
      const headers: Record<string, string | string[]> = {
        'content-type': 'application/json',
        'x-api-key': t.apiKeys[SDS]!,
        ...signed,
        [name]: [first, 'AAAA'],
      };
      const r = await new Promise<{ status: number; json: StandardResponse }>((resolve, reject) => {
        const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (c: string) => (text += c))
            .on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) as StandardResponse }));
        });
        req.on('error', reject).end(body);
      });
      assert.equal(r.status, 401, name);
      assert.match(r.json.messageArray[0]!.help!, new RegExp(`${name.toLowerCase()} \\(2 times\\)`), name);
    }
  });

  test('a signature that is not standard base64 is 401, though its base64 decodes to the right bytes', async () => {
    const body = [if021()];
    const signed = participantSignature({
      method: 'POST',
      url: 'http://localhost:80/1.1/dip-channel/IF-021',
      body: JSON.stringify(body),
      keyPem: t.pki.participants[SDS]!.privateKeyPem,
      certPem: t.pki.participants[SDS]!.certificatePem,
    });
    const sig = signed['X-DIP-Signature']!;
    for (const altered of [`${sig}AAAA`, `${sig.slice(0, 10)}\u00e9${sig.slice(10)}`]) {
      const r = await t.send({ as: SDS, channel: 'IF-021', body, headers: { ...signed, 'X-DIP-Signature': altered } });
      assert.equal(r.status, 401, r.text);
      assert.match(r.json.messageArray[0]!.help!, /not standard base64/);
    }
  });

  test('every refusal is in the audit trail', async () => {
    await t.send({ as: SDS, channel: 'IF-021', body: [if021()], apiKey: 'nope' });
    await t.dip.callLog.flush();
    const [last] = await t.dip.store.recentCalls(1);
    assert.equal(last!.status, 401);
    assert.match(last!.outcome!, /X-API-Key/);
  });
});

describe('other methods and paths', () => {
  test('a channel answers only POST (405 with Allow); an unknown path is 404', async () => {
    const get = await t.dip.app.inject({ method: 'GET', url: '/1.1/dip-channel/IF-021' });
    assert.equal(get.statusCode, 405);
    assert.equal(get.headers.allow, 'POST');
    assert.match(get.json().messageArray[0].help, /accepts POST only/);
    const unknown = await t.dip.app.inject({ method: 'GET', url: '/nothing/here' });
    assert.equal(unknown.statusCode, 404);
    const health = await t.dip.app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.json().status, 'ok');
  });

  test('replay, requeue, requeue status and audit paths answer a wrong method with 405 and Allow', async () => {
    for (const [method, url, allow] of [
      ['GET', `/1.1/dip-channel/IF-021/replay/${SUP}`, 'POST'],
      ['PUT', `/1.1/statusmessage/requeue/${SUP}`, 'POST'],
      ['POST', `/1.1/dip-channel/IF-021/requeueStatus/${SUP}`, 'GET'],
      ['DELETE', '/1.1/audit/messages', 'GET'],
      ['POST', '/1.1/audit/messages/T-IF-021-1200000001-SDS-20261128-0000000000000001', 'GET'],
      ['PATCH', '/1.1/audit/calls', 'GET'],
    ] as const) {
      const r = await t.dip.app.inject({ method, url });
      assert.equal(r.statusCode, 405, `${method} ${url}`);
      assert.equal(r.headers.allow, allow);
      assert.match(r.json().messageArray[0].message, /^MSG1000 - /);
    }
  });
});

describe('input a careless or hostile client might send', () => {
  test('a repeated field name, inside the payload or of payload itself, is a schema failure: the archive never holds what was not validated', async () => {
    const m = if021();
    const text = JSON.stringify(m.payload);
    const repeatedPayload = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: null,
      raw: `[{"payload":{"evil":1},"payload":${text}}]`,
    });
    assert.equal(repeatedPayload.status, 400);
    assert.deepEqual(codes(repeatedPayload), ['MSG1001']);
    assert.match(repeatedPayload.json.messageArray[0]!.help!, /repeated/);
    const repeatedSender = text.replace(`"senderDIPID":"${SDS}"`, `"senderDIPID":"${SUP}","senderDIPID":"${SDS}"`);
    assert.notEqual(repeatedSender, text);
    const r = await t.send({ as: SDS, channel: 'IF-021', body: null, raw: `[{"payload":${repeatedSender}}]` });
    assert.deepEqual(codes(r), ['MSG1001']);
    assert.equal(await t.dip.store.messageByReference(r.json.messageArray[0]!.senderUniqueReference!), null);
  });

  test('field names spelled in another case are archived canonically, not as sent', async () => {
    const m = if021();
    const raw = JSON.stringify([m]).replace('"interfaceID"', '"INTERFACEID"').replace('"MPANCore"', '"mpancore"');
    const r = await t.send({ as: SDS, channel: 'IF-021', body: null, raw });
    assert.equal(r.status, 201, r.text);
    const stored = (await t.dip.store.messageByReference(
      r.json.messageArray[0]!.senderUniqueReference!,
    ))!.payload.toString();
    assert.ok(!stored.includes('INTERFACEID') && !stored.includes('mpancore'), stored.slice(0, 200));
    assert.deepEqual(JSON.parse(stored), m.payload);
  });

  test('the payload as sent is what is archived, byte for byte, when it needs no correction', async () => {
    const m = if021();
    const pretty = JSON.stringify(m.payload, null, 2);
    const r = await t.send({ as: SDS, channel: 'IF-021', body: null, raw: `[ { "payload" : ${pretty} } ]` });
    assert.equal(r.status, 201, r.text);
    assert.equal(
      (await t.dip.store.messageByReference(r.json.messageArray[0]!.senderUniqueReference!))!.payload.toString(),
      pretty,
    );
  });

  test('numbers beyond what JSON can carry are refused', async () => {
    const m = t.message({ channel: 'IF-024', sender: SUP, role: 'SUP', eventCode: '[SN-OffPeakDec]' });
    const text = JSON.stringify([m]);
    const huge = text.replace(/"offPeakDeclarationProportion":[^,}]+/, '"offPeakDeclarationProportion":1e400');
    assert.notEqual(huge, text, 'the sample has the numeric field');
    const r = await t.send({ as: SUP, channel: 'IF-024', body: null, raw: huge });
    assert.deepEqual(codes(r), ['MSG1001']);
  });

  test('JSON nested hundreds of thousands of levels deep is 400 MSG1001, on the send API and /validate alike, not a 500', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const text = JSON.stringify([if021()]);
    for (const raw of [
      text.replace('"CommonBlock":', `"deep":${deep},"CommonBlock":`),
      `[{"payload":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]`,
    ]) {
      const r = await t.send({ as: SDS, channel: 'IF-021', body: null, raw });
      assert.equal(r.status, 400, r.text.slice(0, 300));
      assert.deepEqual(codes(r), ['MSG1001']);
      assert.match(r.json.messageArray[0]!.help!, /nested more than 64 levels deep/);
      const v = await t.dip.app.inject({
        method: 'POST',
        url: '/validate/IF-021/ActivePower',
        payload: raw,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(v.statusCode, 400);
      assert.match(v.json() as string, /nested more than 64 levels deep/);
    }
  });

  test('a body that is not UTF-8 is refused', async () => {
    const text = Buffer.from(JSON.stringify([if021()]));
    const bad = Buffer.concat([text.subarray(0, 40), Buffer.from([0xff, 0xfe]), text.subarray(40)]);
    const r = await t.send({ as: SDS, channel: 'IF-021', body: null, raw: bad });
    assert.equal(r.status, 400);
    assert.match(r.json.messageArray[0]!.help!, /not valid UTF-8/);
  });

  test('a participant sending for itself names no DCP, not even itself', async () => {
    const r = await t.send({ as: SDS, channel: 'IF-021', body: [if021({ dcp: SDS })] });
    assert.deepEqual(codes(r), ['MSG1011']);
  });

  test('values echoed in a response have the shape the response schema allows', async () => {
    const m = if021();
    const s1 = (m.payload.CommonBlock as { S1: Record<string, unknown> }).S1;
    s1.senderUniqueReference = `S-${'x'.repeat(5000)}`;
    s1.DIPConnectionProviderID = 'y'.repeat(5000);
    delete (m.payload.CommonBlock as Record<string, unknown>).M0;
    const r = await t.send({ as: SDS, channel: 'IF-021', body: [m] });
    assert.deepEqual(codes(r), ['MSG1001']);
    assert.equal(r.json.messageArray[0]!.senderUniqueReference, null);
    assert.equal(r.json.messageArray[0]!.DIPConnectionProviderID, null);
    assert.ok(r.json.messageArray[0]!.help!.length <= 500);
  });
});
