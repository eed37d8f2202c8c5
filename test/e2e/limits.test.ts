/**
 * What keeps one client from hurting the DIP or others: credentials are checked before a body is read,
 * bodies in flight share a budget, requests carry at most so many messages, /validate stays small, and
 * mTLS client certificates are checked against their own CA bundle.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { StandardResponse } from '../../src/domain/responses.js';
import { codes, startTestDip, type TestDip } from '../helpers/dip.js';
import { testPki } from '../helpers/pki.js';
import { participantSignature } from '../helpers/signer.js';

const SDS = '1200000001';
const SUP = '1000000001';

interface Exchange {
  status: number;
  continued: boolean;
  text: string;
  headers: http.IncomingHttpHeaders;
}

/** Sends the headers of a POST at once; the caller writes the body, or not. */
function openPost(url: string, headers: Record<string, string>, onContinue?: () => void) {
  const target = new URL(url);
  let continued = false;
  const req = http.request(target, { method: 'POST', agent: false, headers });
  const response = new Promise<Exchange>((resolve, reject) => {
    req.on('continue', () => {
      continued = true;
      onContinue?.();
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, continued, text, headers: res.headers }));
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  return { req, response };
}

function signed(t: TestDip, as: string, url: string, body: Buffer): Record<string, string> {
  const own = t.pki.participants[as]!;
  return {
    'content-type': 'application/json',
    'content-length': String(body.length),
    ...participantSignature({ method: 'POST', url, body, keyPem: own.privateKeyPem, certPem: own.certificatePem }),
  };
}

describe('credentials before bodies', () => {
  let t: TestDip;
  before(async () => {
    t = await startTestDip({ flags: { maxBodyMb: '2', maxInflightMb: '2', maxMessages: '5' } });
  });
  after(async () => t.close());

  test('an unsigned upload is refused from its headers alone, before any of its body is sent', async () => {
    const url = `${t.origin}/1.1/dip-channel/IF-021`;
    const { req, response } = openPost(url, {
      'content-type': 'application/json',
      'content-length': String(1_500_000),
    });
    const r = await response;
    req.destroy();
    assert.equal(r.status, 401);
    assert.equal(r.headers.connection, 'close');
    assert.match((JSON.parse(r.text) as StandardResponse).messageArray[0]!.help!, /missing signature header/);
  });

  test('with Expect: 100-continue, bad credentials get 401 and no invitation to send the body', async () => {
    const url = `${t.origin}/1.1/dip-channel/IF-021`;
    const body = Buffer.from(JSON.stringify(t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS' }, 1)));
    const headers = { ...signed(t, SDS, url, body), expect: '100-continue', 'x-dip-signature': 'AAAA' };
    const { req, response } = openPost(url, headers, () => req.end(body));
    const r = await response;
    req.destroy();
    assert.equal(r.status, 401);
    assert.equal(r.continued, false);
  });

  // A hang guard: before the fix both sides waited for each other.
  test(
    'an upload to no DIP path, or with a method the path does not take, is refused from its headers alone',
    { timeout: 60_000 },
    async () => {
      // Those requests authenticate nobody, so their bodies are never read (they used to be, whole, before the 404).
      for (const [method, path, status] of [
        ['POST', '/nothing/here', 404],
        ['PUT', '/1.1/dip-channel/IF-021', 405],
        ['POST', '/1.1/audit/calls', 405],
      ] as const) {
        const req = http.request(`${t.origin}${path}`, {
          method,
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': String(1_500_000) },
        });
        const r = await new Promise<Exchange>((resolve, reject) => {
          req.on('response', (res) => {
            let text = '';
            res
              .setEncoding('utf8')
              .on('data', (c: string) => (text += c))
              .on('end', () => resolve({ status: res.statusCode ?? 0, continued: false, text, headers: res.headers }));
          });
          req.on('error', reject);
          req.flushHeaders();
        });
        req.destroy();
        assert.equal(r.status, status, `${method} ${path}`);
        assert.equal(r.headers.connection, 'close');
        assert.match((JSON.parse(r.text) as StandardResponse).messageArray[0]!.message!, /^MSG1000 - /);
      }
    },
  );

  // A hang guard: before the fix both sides waited for each other.
  test(
    'with Expect: 100-continue, an unknown path gets 404 and no invitation, instead of both sides waiting',
    { timeout: 60_000 },
    async () => {
      const { req, response } = openPost(
        `${t.origin}/nothing/here`,
        { 'content-type': 'application/json', 'content-length': '1000', expect: '100-continue' },
        () => req.end(Buffer.alloc(1000)),
      );
      const r = await response;
      req.destroy();
      assert.equal(r.status, 404);
      assert.equal(r.continued, false);
    },
  );

  test('bodies being read share a budget: beyond it a request gets 429 with Retry-After, and the first still succeeds', async () => {
    const url = `${t.origin}/1.1/dip-channel/IF-021`;
    const template = t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS' }, 5);
    // Pad with whitespace so the body is large while holding only five messages.
    const body = Buffer.from(`${JSON.stringify(template)}${' '.repeat(1_500_000)}`);
    // The DIP invites the body (100 Continue) as it starts reading it, and so holds its share of the budget.
    let invited!: () => void;
    const reading = new Promise<void>((resolve) => (invited = resolve));
    const first = openPost(url, { ...signed(t, SDS, url, body), expect: '100-continue' }, () => {
      first.req.write(body.subarray(0, 100_000));
      invited();
    });
    await reading;
    const secondBody = Buffer.from(
      `${JSON.stringify(t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS' }, 5))}${' '.repeat(1_000_000)}`,
    );
    const second = openPost(url, signed(t, SDS, url, secondBody));
    second.req.end(secondBody);
    const refused = await second.response;
    assert.equal(refused.status, 429, refused.text.slice(0, 300));
    assert.equal(refused.headers['retry-after'], '1');
    assert.match((JSON.parse(refused.text) as StandardResponse).messageArray[0]!.help!, /retry with back-off/);
    first.req.end(body.subarray(100_000));
    const accepted = await first.response;
    assert.equal(accepted.status, 201, accepted.text.slice(0, 300));
  });

  test('more messages than a request may carry is 413 naming the limit', async () => {
    const r = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS' }, 6),
    });
    assert.equal(r.status, 413);
    assert.match(r.json.messageArray[0]!.help!, /more than 5 messages.*at most 5 per request/);
    const five = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS' }, 5),
    });
    assert.equal(five.status, 201);
  });
});

describe('/validate stays cheap', () => {
  let t: TestDip;
  before(async () => {
    t = await startTestDip();
  });
  after(async () => t.close());

  test('at most a thousand messages and 16 MiB per request, answered as JSON strings', async () => {
    const many = `[${Array.from({ length: 1001 }, () => '{"payload":{}}').join(',')}]`;
    const r = await t.dip.app.inject({
      method: 'POST',
      url: '/validate/IF-021/ActivePower',
      payload: many,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.statusCode, 400);
    assert.match(JSON.parse(r.body) as string, /more than 1000 messages.*at most 1000 at a time/);
    const big = await t.dip.app.inject({
      method: 'POST',
      url: '/validate/IF-021/ActivePower',
      payload: ' '.repeat(17 * 1024 * 1024),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(big.statusCode, 413);
    assert.match(JSON.parse(big.body) as string, /at most 16 MiB/);
    const broken = `[${Array.from({ length: 500 }, () => '{"payload":{"CommonBlock":{}}}').join(',')}]`;
    const capped = await t.dip.app.inject({
      method: 'POST',
      url: '/validate/IF-021/ActivePower',
      payload: broken,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(capped.statusCode, 400);
    assert.match(JSON.parse(capped.body) as string, /at most 200 problems are listed/);
  });
});

describe('mTLS client certificates are checked against the client CA bundle', () => {
  let t: TestDip;
  const dir = mkdtempSync(join(tmpdir(), 'opendip-clientca-'));
  before(async () => {
    const pki = await testPki();
    const clientCa = join(dir, 'client-ca.pem');
    writeFileSync(clientCa, pki.otherCa.certificatePem);
    t = await startTestDip({ flags: { tls: true, mtls: 'require', tlsClientCa: clientCa } });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a client certificate from the client CA is accepted; one from the signing CA only is not', async () => {
    const body = [t.message({ channel: 'IF-024', sender: SUP, role: 'SUP' })];
    // pki.untrusted is issued by the other CA and registered to 1000000001.
    const viaClientCa = await t.send({
      as: SUP,
      channel: 'IF-024',
      body,
      transport: 'socket',
      tlsCert: { cert: t.pki.untrusted.certificatePem, key: t.pki.untrusted.privateKeyPem },
    });
    assert.equal(viaClientCa.status, 201, viaClientCa.text);
    const viaSigningCa = await t.send({
      as: SUP,
      channel: 'IF-024',
      body: [t.message({ channel: 'IF-024', sender: SUP, role: 'SUP' })],
      transport: 'socket',
    });
    assert.equal(viaSigningCa.status, 401);
    assert.deepEqual(codes(viaSigningCa), ['MSG1013']);
  });
});
