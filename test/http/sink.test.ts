/**
 * The participant-side sink over real sockets on 127.0.0.1: calls signed by the independent signer written
 * from message-signing.md, every answer of seed §4.6.6, the failure behaviours, JSON lines, and the CLI's
 * flags (the command in a process of its own: test/e2e/sink-command.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { Agent } from 'undici';
import { formatCall, registerSink, sinkOptionsFromFlags } from '../../src/cli/sink.js';
import type { StandardResponse } from '../../src/domain/responses.js';
import { parseBody } from '../../src/sink/body.js';
import { startSink } from '../../src/sink/sink.js';
import { type Sink, type SinkOptions } from '../../src/sink/types.js';
import { testPki, type TestPki } from '../helpers/pki.js';
import { until } from '../helpers/until.js';
import { message, post, statusItem, SUP, type Post } from './sink-support.js';

let pki: TestPki;
const sinks: Sink[] = [];
const dir = mkdtempSync(join(tmpdir(), 'opendip-sink-'));
before(async () => {
  pki = await testPki();
});
after(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function sink(o: SinkOptions = {}): Promise<Sink> {
  const s = await startSink({ trustedCa: [pki.ca.certificatePem], ...o });
  sinks.push(s);
  return s;
}

const codes = (r: { json: StandardResponse }): string[] => r.json.messageArray.map((m) => m.message!.slice(0, 7));

describe('accepting', () => {
  test('201 with one RCP0000 item per message, transaction ids echoed, stored in order', async () => {
    const s = await sink();
    const batch = [message(1), message(2), message(3)];
    const r = await post(s, batch);
    assert.equal(r.status, 201);
    assert.deepEqual(
      r.json.messageArray.map((m) => m.transactionID),
      batch.map((m) => (m.payload.CommonBlock as { D0: { transactionID: string } }).D0.transactionID),
    );
    const first = r.json.messageArray[0]!;
    assert.equal(first.message, 'RCP0000 - Message Success');
    assert.equal(first.senderID, SUP, 'the sink answers as the recipient named by X-DIP-MPO');
    assert.equal(first.recipientID, '1200000001', 'to the original sender');
    assert.equal(first.senderUniqueReference, 'S-IF-021-1200000001-SDS-20260101-a1');
    assert.equal(first.correlationID, 'CI-1');
    assert.equal(r.json.messageArray[1]!.correlationID, null);
    assert.match(first.sentTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    assert.deepEqual(Object.keys(first).sort(), [
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
    await post(s, [message(4)], { path: '/other/IF-021?x=1' });
    assert.deepEqual(s.messages(), [...batch, message(4)]);
    const [call, second] = s.calls();
    assert.equal(call!.kind, 'messages');
    assert.equal(call!.channel, 'IF-021');
    assert.equal(call!.path, '/sup/IF-021');
    assert.equal(second!.path, '/other/IF-021?x=1');
    assert.deepEqual(call!.mpo, { dipId: SUP, role: 'SUP', name: 'Démo Supplier One' });
    assert.ok(call!.headers['x-dip-signature']);
    assert.deepEqual(s.counts(), { calls: 2, messages: 4, statuses: 0, rejected: 0 });
  });

  test('status-message calls: a bare array of StandardResponseBodyType, acknowledged per item', async () => {
    const s = await sink();
    const r = await post(s, [statusItem(1), statusItem(2)], { path: '/status' });
    assert.equal(r.status, 201);
    assert.deepEqual(
      r.json.messageArray.map((m) => [m.transactionID, m.message, m.recipientID]),
      [
        ['T-IF-021-1200000001-SDS-20260101-1', 'RCP0000 - Message Success', '1100000001'],
        ['T-IF-021-1200000001-SDS-20260101-2', 'RCP0000 - Message Success', '1100000001'],
      ],
    );
    assert.deepEqual(s.statuses(), [statusItem(1), statusItem(2)]);
    assert.deepEqual(s.messages(), []);
    assert.equal(s.calls()[0]!.kind, 'status');
  });

  test('accepted items are appended as JSON lines, refused ones are not', async () => {
    const out = join(dir, 'received.jsonl');
    const s = await sink({ out });
    await post(s, [message(1), message(2)]);
    await post(s, [message(3)], {
      tamper: (h) => {
        h['X-DIP-Content-Hash'] = 'AAAA';
      },
    });
    await post(s, [statusItem(7)], { path: '/status' });
    const lines = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 3);
    assert.deepEqual(Object.keys(lines[0]!), ['receivedAt', 'path', 'kind', 'mpo', 'transactionID', 'item']);
    assert.deepEqual(
      lines.map((l) => [l.kind, l.path, l.transactionID]),
      [
        ['messages', '/sup/IF-021', 'T-IF-021-1200000001-SDS-20260101-0000000000000001'],
        ['messages', '/sup/IF-021', 'T-IF-021-1200000001-SDS-20260101-0000000000000002'],
        ['status', '/status', 'T-IF-021-1200000001-SDS-20260101-7'],
      ],
    );
    assert.deepEqual(lines[0]!.item, message(1));
    assert.deepEqual(lines[2]!.item, statusItem(7));
    assert.deepEqual(lines[0]!.mpo, { dipId: SUP, role: 'SUP', name: 'Démo Supplier One' });
    assert.ok(!Number.isNaN(Date.parse(String(lines[0]!.receivedAt))));
    // A pretty-printed body still yields one line per element.
    await post(s, JSON.stringify([message(8)], null, 2));
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8').trimEnd().split('\n').at(-1)!).item, message(8));
  });

  test('both parse roads read a body alike', () => {
    const body = Buffer.from(JSON.stringify([message(1), message(2)], null, 1));
    const whole = parseBody(body, false);
    const split = parseBody(body, true);
    assert.ok(whole.ok && split.ok);
    assert.deepEqual(whole.items, split.items);
    assert.equal(split.raw![0], null, 'an element spanning lines is not copied raw');
    for (const bad of ['{}', '[]', 'not json', '[{"payload":']) {
      assert.equal(parseBody(Buffer.from(bad), false).ok, false, bad);
      assert.equal(parseBody(Buffer.from(bad), true).ok, false, bad);
    }
  });

  test('keep: false keeps counts and call summaries only', async () => {
    const s = await sink({ keep: false });
    await post(s, [message(1), message(2)]);
    assert.deepEqual(s.messages(), []);
    assert.equal(s.calls()[0]!.itemCount, 2);
    assert.deepEqual(s.calls()[0]!.items, []);
    assert.equal(s.counts().messages, 2);
  });

  test('lean: the same answers as parsing, from the bytes, with facts but no items', async () => {
    const full = await sink({ keep: false });
    const lean = await sink({ keep: false, lean: true });
    const rule = { reject: { code: 'RCP1061', match: /a2$/ } };
    const ruled = [await sink({ behaviour: rule }), await sink({ lean: true, behaviour: rule })];
    const batch = [message(1), message(2), message(3, 'IF-019')];
    const answers = await Promise.all([full, lean].map((s) => post(s, batch)));
    assert.deepEqual(
      answers.map((a) => a.status),
      [201, 201],
    );
    const sansTime = (a: { json: StandardResponse }) => a.json.messageArray.map(({ sentTimestamp: _, ...m }) => m);
    assert.deepEqual(sansTime(answers[1]!), sansTime(answers[0]!));
    const call = lean.calls()[0]!;
    assert.deepEqual(call.items, []);
    assert.equal(call.itemCount, 3);
    assert.deepEqual(
      call.facts.map((f) => f.sur),
      batch.map((m) => (m.payload.CommonBlock as { S1: { senderUniqueReference: string } }).S1.senderUniqueReference),
    );
    assert.equal(call.channel, 'IF-021,IF-019');
    const partial = await Promise.all(ruled.map((s) => post(s, batch)));
    assert.deepEqual(
      partial.map((a) => a.status),
      [207, 207],
    );
    assert.deepEqual(partial.map(codes), [
      ['RCP0000', 'RCP1061', 'RCP0000'],
      ['RCP0000', 'RCP1061', 'RCP0000'],
    ]);
    const statuses = await post(lean, [statusItem(1)], { path: '/status' });
    assert.equal(statuses.status, 201);
    assert.equal(statuses.json.messageArray[0]!.recipientID, '1100000001');
    assert.deepEqual(lean.counts(), { calls: 2, messages: 3, statuses: 1, rejected: 0 });
  });
});

describe('refusing', () => {
  const refused = async (s: Sink, o: Post, pattern: RegExp) => {
    const r = await post(s, [message(1)], o);
    assert.equal(r.status, 401);
    assert.equal(r.json.messageArray.length, 1);
    assert.equal(r.json.messageArray[0]!.message, 'RCP9999 - Message Signature Invalid');
    assert.match(r.json.messageArray[0]!.help!, pattern);
  };

  test('401 RCP9999 for a wrong hash, a wrong signature, an untrusted or expired certificate, missing headers', async () => {
    const s = await sink();
    await refused(
      s,
      {
        tamper: (h) => {
          h['X-DIP-Content-Hash'] = 'AAAA';
        },
      },
      /X-DIP-Content-Hash AAAA is not base64\(SHA-256\)/,
    );
    await refused(
      s,
      { signedUrl: `${s.url}/sup/IF-022` },
      /X-DIP-Signature does not verify .* over "POST;http:\/\/127\.0\.0\.1:\d+\/sup\/if-021;/,
    );
    await refused(
      s,
      {
        tamper: (h) => {
          h['X-DIP-Signature-Date'] = '2020-01-01T00:00:00.000Z';
        },
      },
      /does not verify/,
    );
    await refused(s, { signer: pki.untrusted }, /does not chain to a trusted CA/);
    await refused(s, { signer: pki.expired }, /certificate is expired/);
    await refused(s, { signer: pki.notYetValid }, /certificate is not-yet-valid/);
    await refused(
      s,
      { signer: null },
      /missing header\(s\): X-DIP-Signature-Date, X-DIP-Content-Hash, X-DIP-Signature-Certificate, X-DIP-Signature/,
    );
    await refused(
      s,
      {
        tamper: (h) => {
          delete h['X-DIP-Signature'];
        },
      },
      /missing header\(s\): X-DIP-Signature$/,
    );
    await refused(
      s,
      {
        tamper: (h) => {
          h['X-DIP-Signature-Certificate'] = 'bm90IGEgY2VydA==';
        },
      },
      /not base64 of a PEM/,
    );
    assert.deepEqual(s.messages(), []);
    assert.deepEqual(
      s.calls().map((c) => c.status),
      Array(9).fill(401),
    );
    assert.equal(s.calls()[0]!.items.length, 1, 'what a refused call carried is still recorded');
  });

  test('the older X-DIP-Certificate header is accepted; without trustedCa only the validity period is checked', async () => {
    const s = await sink({ trustedCa: undefined });
    const legacy = (h: Record<string, string>) => {
      h['X-DIP-Certificate'] = h['X-DIP-Signature-Certificate']!;
      delete h['X-DIP-Signature-Certificate'];
    };
    assert.equal((await post(s, [message(1)], { tamper: legacy })).status, 201);
    assert.equal((await post(s, [message(1)], { signer: pki.untrusted })).status, 201);
    await refused(s, { signer: pki.expired }, /outside its validity period/);
  });

  test('maxSkewSeconds refuses stale signature dates; verifySignature: false accepts anything', async () => {
    const skewed = await sink({ maxSkewSeconds: 300, now: () => Date.now() + 3_600_000 });
    await refused(skewed, {}, /more than 300 s from this receiver's clock/);
    const open = await sink({ verifySignature: false });
    assert.equal((await post(open, [message(1)], { signer: null })).status, 201);
  });

  test('400 RCP1001 for a body that is not a non-empty JSON array', async () => {
    const s = await sink();
    for (const body of ['{"payload":{}}', 'not json', '[]']) {
      const r = await post(s, body);
      assert.equal(r.status, 400, body);
      assert.deepEqual(codes(r), ['RCP1001']);
      assert.equal(r.json.messageArray[0]!.transactionID, null);
    }
    const r = await post(s, [message(1), { payload: { CommonBlock: { S0: {} } } }, 7]);
    assert.equal(r.status, 207, 'elements that are not messages are rejected one by one');
    assert.deepEqual(codes(r), ['RCP0000', 'RCP1043', 'RCP1001']);
  });
});

describe('behaviours', () => {
  test('failWith answers every listed status, with Retry-After, for `times` calls then recovers', async () => {
    const s = await sink();
    for (const status of [400, 401, 403, 404, 405, 406, 408, 413, 429, 500, 502, 503, 504]) {
      s.setBehaviour({ failWith: { status } });
      const r = await post(s, [message(1)]);
      assert.equal(r.status, status);
      assert.equal(r.json.messageArray[0]!.help, `this sink is set to answer ${status}`);
    }
    s.setBehaviour({ failWith: { status: 503, times: 2, retryAfterSeconds: 7 } });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await post(s, [message(i)]));
    assert.deepEqual(
      answers.map((a) => a.status),
      [503, 503, 201],
    );
    assert.equal(answers[0]!.headers['retry-after'], '7');
    assert.deepEqual(s.messages(), [message(2)]);
  });

  test('reject: matching items get the code (207), every n-th (207), all (400)', async () => {
    const s = await sink({ behaviour: { reject: { code: 'RCP1061', match: /a2$/g } } });
    const r = await post(s, [message(1), message(2), message(3)]);
    assert.equal(r.status, 207);
    assert.deepEqual(codes(r), ['RCP0000', 'RCP1061', 'RCP0000']);
    const rejected = r.json.messageArray[1]!;
    assert.equal(rejected.message, 'RCP1061 - MPAN Invalid or Unknown');
    assert.equal(rejected.transactionID, 'T-IF-021-1200000001-SDS-20260101-0000000000000002');
    assert.match(rejected.help!, /test rule/);
    s.setBehaviour({ reject: { code: 'RCP1001', every: 2 } });
    assert.deepEqual(codes(await post(s, [message(4), message(5), message(6)])), ['RCP0000', 'RCP1001', 'RCP0000']);
    assert.deepEqual(codes(await post(s, [message(7)])), ['RCP1001'], 'the count runs on across calls');
    s.setBehaviour({ reject: { code: 'RCP1002' } });
    const all = await post(s, [message(8), message(9)]);
    assert.equal(all.status, 400);
    assert.deepEqual(codes(all), ['RCP1002', 'RCP1002']);
    assert.deepEqual(s.messages(), [message(1), message(3), message(4), message(6)]);
    assert.deepEqual(
      s.calls().map((c) => c.rejected),
      [1, 1, 1, 2],
    );
  });

  test('delayMs holds the answer (the call counts as in flight meanwhile); hangUp drops the connection and stores nothing', async () => {
    const s = await sink({ behaviour: { delayMs: 300 } });
    const t0 = Date.now();
    const answered = post(s, [message(1)]);
    assert.equal(s.inFlight(), 0, 'nothing read yet');
    await until(() => s.inFlight() > 0, 'the call read', 10_000, 2);
    assert.equal(s.inFlight(), 1, 'read and held');
    assert.equal((await answered).status, 201);
    assert.ok(Date.now() - t0 >= 290);
    assert.equal(s.inFlight(), 0, 'answered');
    s.setBehaviour({ hangUp: true });
    await assert.rejects(post(s, [message(2)]), /other side closed|socket|ECONNRESET/i);
    assert.equal(s.calls().at(-1)!.status, 0);
    assert.equal(s.messages().length, 1);
  });

  test('waitFor resolves once the predicate holds and rejects naming what arrived', async () => {
    const s = await sink();
    const waiting = s.waitFor((x) => x.messages().length >= 3, 5000);
    await post(s, [message(1), message(2)]);
    await post(s, [message(3)]);
    await waiting;
    await assert.rejects(
      s.waitFor((x) => x.messages().length >= 10, 100),
      /not satisfied within 100 ms; saw 2 call\(s\) \(201×2\), 3 accepted message\(s\)/,
    );
  });

  test('HTTPS with a required client certificate: 403 without one, accepted with one', async () => {
    const s = await sink({
      tls: {
        key: pki.server.privateKeyPem,
        cert: pki.server.certificatePem,
        ca: pki.ca.certificatePem,
        requestCert: true,
      },
    });
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const anonymous = new Agent({ connect: { ca: pki.ca.certificatePem } });
    const mutual = new Agent({
      connect: {
        ca: pki.ca.certificatePem,
        key: pki.participants[SUP]!.privateKeyPem,
        cert: pki.participants[SUP]!.certificatePem,
      },
    });
    try {
      assert.equal((await post(s, [message(1)], { dispatcher: anonymous })).status, 403);
      assert.equal((await post(s, [message(1)], { dispatcher: mutual })).status, 201);
      assert.match(s.calls()[1]!.clientCertificate!, new RegExp(`CN=${SUP}`));
    } finally {
      await Promise.all([anonymous.close(), mutual.close()]);
    }
  });
});

describe('opendip sink', () => {
  test('flags map onto sink options, and contradictions are refused', () => {
    const read = (f: string) => `PEM of ${f}`;
    const o = sinkOptionsFromFlags(
      {
        port: '8099',
        failStatus: '503',
        failTimes: '2',
        retryAfter: '5',
        delayMs: '10',
        reject: 'RCP1001',
        rejectEvery: '3',
        verify: false,
        trustedCa: 'ca.pem',
        out: 'o.jsonl',
      },
      read,
    );
    assert.deepEqual(o.behaviour, {
      failWith: { status: 503, times: 2, retryAfterSeconds: 5 },
      delayMs: 10,
      reject: { code: 'RCP1001', every: 3 },
    });
    assert.equal(o.port, 8099);
    assert.equal(o.verifySignature, false);
    assert.deepEqual(o.trustedCa, ['PEM of ca.pem']);
    assert.equal(o.out, 'o.jsonl');
    assert.deepEqual(sinkOptionsFromFlags({ reject: 'REG1020', rejectMatch: 'a\\d' }, read).behaviour?.reject, {
      code: 'REG1020',
      match: /a\d/,
    });
    assert.deepEqual(sinkOptionsFromFlags({ tlsCert: 'c', tlsKey: 'k', tlsClientCa: 'ca' }, read).tls, {
      cert: 'PEM of c',
      key: 'PEM of k',
      ca: 'PEM of ca',
      requestCert: true,
    });
    for (const [flags, error] of [
      [{ failTimes: '2' }, /need --fail-status/],
      [{ failStatus: '99' }, /--fail-status must be a whole number from 100 to 599/],
      [{ reject: 'nope' }, /--reject needs a rejection code/],
      [{ reject: 'RCP1001', rejectEvery: '2', rejectMatch: 'x' }, /not both/],
      [{ rejectEvery: '2' }, /need --reject/],
      [{ reject: 'RCP1001', rejectMatch: '(' }, /--reject-match/],
      [{ tlsCert: 'c' }, /go together/],
      [{ port: '70000' }, /--port/],
    ] as const)
      assert.throws(() => sinkOptionsFromFlags(flags, read), error);
  });

  test('--help documents every option', () => {
    const program = new Command().exitOverride();
    registerSink(program);
    let help = '';
    program.configureOutput({
      writeOut: (t) => {
        help += t;
      },
    });
    const sinkCommand = program.commands.find((c) => c.name() === 'sink')!;
    sinkCommand.exitOverride().configureOutput({
      writeOut: (t) => {
        help += t;
      },
    });
    assert.throws(
      () => program.parse(['sink', '--help'], { from: 'user' }),
      (e: unknown) => e instanceof CommanderError && e.exitCode === 0,
    );
    for (const flag of [
      '--port',
      '--host',
      '--out',
      '--trusted-ca',
      '--no-verify',
      '--max-skew',
      '--fail-status',
      '--fail-times',
      '--retry-after',
      '--delay-ms',
      '--reject',
      '--reject-every',
      '--reject-match',
      '--hang-up',
      '--tls-cert',
      '--tls-key',
      '--tls-client-ca',
    ]) {
      assert.ok(help.includes(flag), `${flag} in --help`);
    }
  });

  test('log lines say why a call was refused', () => {
    const line = formatCall({
      at: 0,
      path: '/p',
      headers: {},
      mpo: null,
      kind: 'status',
      items: [],
      facts: [],
      itemCount: 3,
      channel: null,
      status: 401,
      rejected: 0,
      problem: 'message signature invalid: x',
      clientCertificate: null,
      response: null,
    });
    assert.equal(line, '1970-01-01T00:00:00.000Z  401  status  3 status item(s)  /p  message signature invalid: x');
  });
});
