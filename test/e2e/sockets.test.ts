/**
 * The send API over real sockets on 127.0.0.1: HTTPS with mutual TLS, 100-continue uploads, the body
 * limit, plain HTTP and the signed URL, a proxy's public URL, and a required API key.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as https from 'node:https';
import { after, before, describe, test } from 'node:test';
import type { StandardResponse } from '../../src/domain/responses.js';
import { codes, startTestDip, type TestDip } from '../helpers/dip.js';
import { participantSignature } from '../helpers/signer.js';
import { freshCopies, surOf } from './support.js';

const SDS = '1200000001';
const SUP = '1000000001';

const if021 = (t: TestDip, count = 1) => t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS' }, count);
const helpOf = (r: { json: StandardResponse }): string => r.json.messageArray[0]?.help ?? '';

interface RawReply {
  status: number;
  text: string;
  /** Whether the server said 100 Continue before the body was written. */
  continued: boolean;
}

interface RawOptions {
  /** Announce the body with `Expect: 100-continue` and write it only once the server agrees, as curl and many gateways do. */
  expectContinue?: boolean;
  /** Stream the body in chunks without a Content-Length, as clients that serialise on the fly do. */
  chunked?: boolean;
  tls?: https.RequestOptions;
}

/** A POST through node:http(s) itself, for the transfer details undici does not expose. */
function rawPost(url: string, headers: Record<string, string>, body: Buffer, o: RawOptions = {}): Promise<RawReply> {
  const target = new URL(url);
  const options = {
    method: 'POST',
    agent: false as const,
    headers: {
      ...headers,
      ...(o.expectContinue ? { expect: '100-continue' } : {}),
      ...(o.chunked ? {} : { 'content-length': String(body.length) }),
    },
  };
  return new Promise((resolve, reject) => {
    let continued = false;
    const req =
      target.protocol === 'https:' ? https.request(target, { ...options, ...o.tls }) : http.request(target, options);
    const write = (): void => {
      if (!o.chunked) return void req.end(body);
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
      req.end();
    };
    if (o.expectContinue) {
      req.on('continue', () => {
        continued = true;
        write();
      });
    } else {
      write();
    }
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), continued }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Signed headers for `body` as participant `as` would send them to `url`. */
function signedHeaders(t: TestDip, as: string, url: string, body: Buffer): Record<string, string> {
  const own = t.pki.participants[as]!;
  return {
    'content-type': 'application/json',
    ...(t.apiKeys[as] ? { 'x-api-key': t.apiKeys[as] } : {}),
    ...participantSignature({ method: 'POST', url, body, keyPem: own.privateKeyPem, certPem: own.certificatePem }),
  };
}

describe('HTTPS with optional mTLS', () => {
  let t: TestDip;
  before(async () => {
    t = await startTestDip({ flags: { tls: true, mtls: 'optional' } });
  });
  after(async () => t?.close());

  test('a batch signed by a participant and sent with its own client certificate is accepted', async () => {
    assert.match(t.origin, /^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await t.send({ as: SDS, channel: 'IF-021', body: if021(t, 2), transport: 'socket' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(codes(r), ['MSG0000', 'MSG0000']);
  });

  test("another registered participant's client certificate is 403: the connection and the signature disagree", async () => {
    const other = t.pki.participants[SUP]!;
    const r = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: if021(t),
      transport: 'socket',
      tlsCert: { cert: other.certificatePem, key: other.privateKeyPem },
    });
    assert.equal(r.status, 403, r.text);
    assert.match(helpOf(r), /TLS client certificate belongs to 1000000001 but the request is signed by 1200000001/);
  });

  test('no client certificate is fine when mTLS is optional', async () => {
    const r = await t.send({ as: SDS, channel: 'IF-021', body: if021(t), transport: 'socket', tlsCert: null });
    assert.equal(r.status, 201, r.text);
  });

  test('a client certificate from a CA the DIP does not trust is 401 MSG1013', async () => {
    const foreign = t.pki.untrusted;
    const r = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: if021(t),
      transport: 'socket',
      tlsCert: { cert: foreign.certificatePem, key: foreign.privateKeyPem },
    });
    assert.equal(r.status, 401, r.text);
    assert.deepEqual(codes(r), ['MSG1013']);
    assert.match(helpOf(r), /TLS client certificate is issued by .*Somebody Else CA.*which this DIP does not trust/);
  });

  test('a multi-megabyte batch sent with Expect: 100-continue is accepted whole', async () => {
    const messages = freshCopies(if021(t, 20), 4000);
    const body = Buffer.from(JSON.stringify(messages));
    assert.ok(body.length > 4 * 1024 * 1024, `the batch is ${body.length} bytes`);
    const url = `${t.origin}/1.1/dip-channel/IF-021`;
    const own = t.pki.participants[SDS]!;
    const archivedBefore = await t.dip.store.countMessages('IF-021');
    const r = await rawPost(url, signedHeaders(t, SDS, url, body), body, {
      expectContinue: true,
      tls: { ca: t.pki.ca.certificatePem, cert: own.certificatePem, key: own.privateKeyPem },
    });
    assert.equal(r.continued, true, 'the DIP invites the body with 100 Continue');
    assert.equal(r.status, 201, r.text.slice(0, 500));
    const json = JSON.parse(r.text) as StandardResponse;
    assert.equal(json.messageArray.length, messages.length);
    assert.ok(json.messageArray.every((i) => i.message === 'MSG0000 - Success'));
    assert.equal(
      new Set(json.messageArray.map((i) => i.transactionID)).size,
      messages.length,
      'one transaction id per message',
    );
    assert.equal(await t.dip.store.countMessages('IF-021'), archivedBefore + messages.length, 'every message archived');
  });
});

describe('HTTPS with mTLS required', () => {
  let t: TestDip;
  before(async () => {
    t = await startTestDip({ flags: { tls: true, mtls: 'require' } });
  });
  after(async () => t?.close());

  test('a request without a client certificate is 401 with a readable StandardResponse, not a broken handshake', async () => {
    const r = await t.send({ as: SDS, channel: 'IF-021', body: if021(t), transport: 'socket', tlsCert: null });
    assert.equal(r.status, 401, r.text);
    assert.match(helpOf(r), /requires a TLS client certificate/);
  });

  test("the participant's own client certificate is accepted", async () => {
    const r = await t.send({ as: SDS, channel: 'IF-021', body: if021(t), transport: 'socket' });
    assert.equal(r.status, 201, r.text);
  });
});

describe('plain HTTP with a 1 MB body limit', () => {
  let t: TestDip;
  before(async () => {
    t = await startTestDip({ flags: { maxBodyMb: '1' } });
  });
  after(async () => t?.close());

  test('a batch signed for http://127.0.0.1:<port>/1.1/... is accepted over a real socket', async () => {
    assert.match(t.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await t.send({ as: SDS, channel: 'IF-021', body: if021(t), transport: 'socket' });
    assert.equal(r.status, 201, r.text);
  });

  test('a client that signed another host name is 401 and told which URL to sign', async () => {
    const port = new URL(t.origin).port;
    const r = await t.send({
      as: SDS,
      channel: 'IF-021',
      body: if021(t),
      transport: 'socket',
      signedUrl: `http://localhost:${port}/1.1/dip-channel/IF-021`,
    });
    assert.equal(r.status, 401, r.text);
    assert.match(helpOf(r), new RegExp(`expects the URL http://127\\.0\\.0\\.1:${port}/1\\.1/dip-channel/if-021`));
  });

  test('a body over the limit is 413 with a StandardResponse naming the limit, and the DIP keeps serving', async () => {
    const messages = freshCopies(if021(t, 10), 1200);
    const r = await t.send({ as: SDS, channel: 'IF-021', body: messages, transport: 'socket' });
    assert.ok(JSON.stringify(messages).length > 1024 * 1024);
    assert.equal(r.status, 413, r.text.slice(0, 500));
    assert.equal(r.json.messageArray.length, 1);
    assert.match(r.json.messageArray[0]!.message!, /^MSG\d{4} - /);
    assert.match(helpOf(r), /limit of 1 MiB/);
    assert.equal(
      await t.dip.store.messageByReference(surOf(messages[0]!)),
      null,
      'nothing of the refused body archived',
    );

    // A client streaming without Content-Length is stopped at the same limit.
    const body = Buffer.from(JSON.stringify(messages));
    const url = `${t.origin}/1.1/dip-channel/IF-021`;
    const streamed = await rawPost(url, signedHeaders(t, SDS, url, body), body, { chunked: true });
    assert.equal(streamed.status, 413, streamed.text.slice(0, 500));
    assert.match((JSON.parse(streamed.text) as StandardResponse).messageArray[0]!.help!, /limit of 1 MiB/);

    // A client that asks first (Expect: 100-continue) is refused before it uploads anything.
    const asked = await rawPost(url, signedHeaders(t, SDS, url, body), body, { expectContinue: true });
    assert.equal(asked.status, 413, asked.text.slice(0, 500));
    assert.equal(asked.continued, false, 'no 100 Continue for a body the DIP would refuse');
    assert.match((JSON.parse(asked.text) as StandardResponse).messageArray[0]!.help!, /limit of 1 MiB/);

    const next = await t.send({ as: SDS, channel: 'IF-021', body: if021(t, 5), transport: 'socket' });
    assert.equal(next.status, 201, next.text);
  });
});

describe('behind a proxy (public URL https://api.example.test)', () => {
  let t: TestDip;
  let direct: string;
  before(async () => {
    t = await startTestDip({ flags: { publicUrl: 'https://api.example.test' } });
    const address = t.dip.app.server.address();
    assert.ok(address && typeof address === 'object');
    direct = `http://127.0.0.1:${address.port}/1.1/dip-channel/IF-021`;
  });
  after(async () => t?.close());

  /** What the proxy forwards: the participant's signed request, now arriving on the DIP's own address. */
  const forward = async (signedUrl: string) => {
    const body = Buffer.from(JSON.stringify(if021(t)));
    const r = await rawPost(direct, signedHeaders(t, SDS, signedUrl, body), body);
    return { ...r, json: JSON.parse(r.text) as StandardResponse };
  };

  test('the DIP advertises the public URL', () => {
    assert.equal(t.dip.baseUrl, 'https://api.example.test/1.1');
  });

  test('a client that signed the public URL is accepted while the DIP is called on 127.0.0.1', async () => {
    const r = await forward('https://api.example.test/1.1/dip-channel/IF-021');
    assert.equal(r.status, 201, r.text);
  });

  test('signing the internal address instead is refused, naming the public URL', async () => {
    const r = await forward(direct);
    assert.equal(r.status, 401, r.text);
    assert.match(helpOf(r), /expects the URL https:\/\/api\.example\.test\/1\.1\/dip-channel\/if-021/);
  });
});

describe('X-API-Key required', () => {
  let t: TestDip;
  before(async () => {
    t = await startTestDip({ flags: { requireApiKey: true } });
  });
  after(async () => t?.close());

  test('a signed request without X-API-Key is 401', async () => {
    const r = await t.send({ as: SDS, channel: 'IF-021', body: if021(t), transport: 'socket', apiKey: null });
    assert.equal(r.status, 401, r.text);
    assert.match(helpOf(r), /X-API-Key header is required/);
  });

  test("a signed request with the participant's own key is accepted", async () => {
    const r = await t.send({ as: SDS, channel: 'IF-021', body: if021(t), transport: 'socket' });
    assert.equal(r.status, 201, r.text);
  });
});
