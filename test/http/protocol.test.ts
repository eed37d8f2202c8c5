/**
 * What Node's HTTP parser, Node itself or Fastify's router refuse before a route runs is answered in the
 * DIP's own StandardResponse, with the connection closed (src/http/protocol.ts). Raw sockets, since
 * well-behaved clients cannot send most of this.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StandardResponse } from '../../src/domain/responses.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import {
  exchange,
  framing,
  signatureHeaders,
  standardResponseProblem,
  wire,
  type Answer,
  type Header,
} from './fuzz-support.js';

const SDS = '1200000001';
const SEND = '/1.1/dip-channel/IF-021';

let t: TestDip;
let port: number;
before(async () => {
  t = await startTestDip();
  port = Number(new URL(t.origin).port);
});
after(async () => t?.close());

const host = (): Header => ['Host', new URL(t.origin).host];
const send = (
  method: string,
  target: string,
  headers: Header[],
  body = Buffer.alloc(0),
  o: { expectContinue?: boolean; version?: string } = {},
): Promise<Answer> => exchange(port, wire(method, target, headers, body, `${method} ${target}`, o), 30_000);

/** The answer is `status` in the DIP's shape, its help matching `help`, and the connection is closed. */
function refusedWith(a: Answer, status: number, help: RegExp): void {
  assert.equal(a.status, status, a.body.toString());
  assert.equal(standardResponseProblem(a.body), null, a.body.toString());
  assert.equal(a.headers.connection, 'close');
  const item = (JSON.parse(a.body.toString()) as StandardResponse).messageArray[0]!;
  assert.match(item.message!, /^MSG1000 - Message Processing Failed$/);
  assert.match(item.help!, help);
}

describe("what Node's HTTP parser refuses", () => {
  test('headers beyond 16 KiB are 431, also for an oversized signature certificate', async () => {
    refusedWith(await send('GET', '/health', [host(), ['X-Padding', 'p'.repeat(20_000)]]), 431, /exceed 16 KiB/);
    const body = Buffer.from('[]');
    const signed = signatureHeaders(t, SDS, 'POST', `${t.origin}${SEND}`, body).map(([k, v]): Header =>
      k === 'X-DIP-Signature-Certificate' ? [k, `${String(v)}${'A'.repeat(40_000)}`] : [k, v],
    );
    refusedWith(await send('POST', SEND, [...framing(t, body), ...signed], body), 431, /exceed 16 KiB/);
  });

  test('a malformed request line, or a control character in a header, is 400', async () => {
    refusedWith(await send('get', '/health', [host()]), 400, /not valid HTTP\/1\.1 \(HPE_INVALID_METHOD\)/);
    refusedWith(await send('GET', '/he alth', [host()]), 400, /not valid HTTP\/1\.1/);
    refusedWith(await send('GET', '/health', [host(), ['X-Other', 'a\x01b']]), 400, /control characters/);
  });

  test('conflicting Content-Length headers, or one beside Transfer-Encoding, are 400', async () => {
    const body = Buffer.from('[]');
    refusedWith(
      await send('POST', SEND, [host(), ['Content-Length', '2'], ['Content-Length', '3']], body),
      400,
      /Content-Length must be one decimal number/,
    );
    refusedWith(
      await send(
        'POST',
        SEND,
        [host(), ['Content-Length', '2'], ['Transfer-Encoding', 'chunked']],
        Buffer.from('0\r\n\r\n'),
      ),
      400,
      /not beside Content-Length/,
    );
    refusedWith(await send('POST', SEND, [host(), ['Content-Length', '2a']], body), 400, /Content-Length/);
  });

  test('a complete request followed by stray bytes is still answered, then the connection closes', async () => {
    const body = Buffer.from(JSON.stringify(t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS' }, 1)));
    const headers: Header[] = [
      ...framing(t, body),
      ...signatureHeaders(t, SDS, 'POST', `${t.origin}${SEND}`, body),
      ['Expect', '100-continue'],
    ];
    // The stray bytes arrive after the body the DIP invited: its parser fails on them while the request is being answered.
    const a = await send('POST', SEND, headers, Buffer.concat([body, Buffer.from('\x01garbage')]), {
      expectContinue: true,
    });
    assert.equal(a.continued, true);
    assert.equal(a.status, 201, a.body.toString());
    assert.equal(a.headers.connection, 'close');
  });
});

describe('what Node answers by itself', () => {
  test('an Expect other than 100-continue is 417', async () => {
    refusedWith(
      await send('POST', SEND, [host(), ['Expect', 'something-else'], ['Content-Length', '0']]),
      417,
      /only Expect: 100-continue/,
    );
  });

  test('CONNECT is 405 with Allow', async () => {
    const a = await send('CONNECT', '127.0.0.1:443', [host()]);
    refusedWith(a, 405, /not a proxy/);
    assert.equal(a.headers.allow, 'GET, POST, DELETE');
  });

  test('HTTP/1.1 without Host is 400 naming it; HTTP/1.0 needs none', async () => {
    refusedWith(await send('POST', SEND, [['Content-Length', '0']]), 400, /must carry a Host header/);
    assert.equal((await send('GET', '/health', [], Buffer.alloc(0), { version: 'HTTP/1.0' })).status, 200);
  });
});

describe("what Fastify's router refuses", () => {
  test('a path that is not valid percent-encoding is 400', async () => {
    refusedWith(await send('GET', '/1.1/dip-channel/IF-%zz', [host()]), 400, /not valid percent-encoding/);
    refusedWith(
      await send('POST', '/1.1/dip-channel/IF-021/deliveryStatus/1000000001/%C0%AF', [host(), ['Content-Length', '0']]),
      400,
      /not valid percent-encoding/,
    );
  });

  test('a path segment longer than any DIP identifier is 414', async () => {
    refusedWith(
      await send('GET', `/1.1/audit/messages/${'x'.repeat(300)}`, [host()]),
      414,
      /longer than 256 characters/,
    );
  });
});
