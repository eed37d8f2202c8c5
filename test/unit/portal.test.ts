import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { escapeHtml, html, queryString, trusted } from '../../src/portal/html.js';
import { deliveriesPage } from '../../src/portal/operator-pages.js';
import { layout } from '../../src/portal/pages.js';
import { requeueBody } from '../../src/replay/request.js';
import { cookie, openSession, parseCookies, sameToken, sealSession } from '../../src/portal/session.js';
import { testVerdict } from '../../src/portal/webhook-pages.js';

const KEY = Buffer.alloc(32, 7);

test('html escapes every interpolated value, nested lists included, and keeps fragments as built', () => {
  const name = '<img src=x onerror="alert(1)">&\'';
  const out = html`<p title="${name}">${[name, html`<b>${name}</b>`]}${null}${undefined}${false}${3}</p>`.html;
  assert.equal(
    out,
    '<p title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;">' +
      '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;<b>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;</b>3</p>',
  );
  assert.equal(html`${trusted('<hr>')}`.html, '<hr>');
  // An object that merely looks like a fragment from data is still text when it is a string.
  assert.equal(html`${'{"html":"<x>"}'}`.html, '{&quot;html&quot;:&quot;&lt;x&gt;&quot;}');
});

test('property: escaped text carries no markup characters and decodes back to itself', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const e = escapeHtml(s);
      assert.ok(!/[<>"']/.test(e));
      const back = e.replace(
        /&(lt|gt|quot|#39|amp);/g,
        (_m, n: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[n]!,
      );
      assert.equal(back, s);
    }),
  );
});

test('queryString leaves out empty filters and encodes the rest', () => {
  assert.equal(
    queryString({ MPAN: '1900000000013', channel: '', after: null, q: 'a b&c' }),
    '?MPAN=1900000000013&q=a+b%26c',
  );
  assert.equal(queryString({ x: undefined }), '');
});

test('a sealed session opens until it expires; an altered, re-keyed or truncated one never does', () => {
  const s = { dipId: '1000000001', user: 'alice', since: 1_000, csrf: 'token', expires: 2_000 };
  const sealed = sealSession(KEY, s);
  assert.deepEqual(openSession(KEY, sealed, 1_999), s);
  const byKey = { ...s, user: null };
  assert.deepEqual(openSession(KEY, sealSession(KEY, byKey), 1_999), byKey);
  // A cookie sealed before sessions named their user and start opens to nothing.
  assert.equal(openSession(KEY, sealSession(KEY, { dipId: s.dipId, csrf: 't', expires: 2_000 } as never), 0), null);
  assert.equal(openSession(KEY, sealed, 2_000), null);
  assert.equal(openSession(Buffer.alloc(32, 8), sealed, 0), null);
  assert.equal(openSession(KEY, sealed.slice(0, -2), 0), null);
  assert.equal(openSession(KEY, `${sealed}.x`, 0), null);
  assert.equal(openSession(KEY, undefined, 0), null);
  const body = Buffer.from(JSON.stringify({ ...s, dipId: '1000000002' })).toString('base64url');
  assert.equal(openSession(KEY, `${body}.${sealed.split('.')[1]}`, 0), null);
});

test('cookies are HTTP-only, same-site strict and scoped to the portal; Secure over TLS', () => {
  assert.equal(
    cookie('a', 'b', { secure: false, maxAgeSeconds: 60 }),
    'a=b; Path=/portal; HttpOnly; SameSite=Strict; Max-Age=60',
  );
  assert.match(cookie('a', 'b', { secure: true, maxAgeSeconds: 0 }), /; Secure$/);
  assert.deepEqual(
    [...parseCookies('x=1; opendip_portal=a.b;junk; y = 2')],
    [
      ['x', '1'],
      ['opendip_portal', 'a.b'],
      ['y', '2'],
    ],
  );
  assert.equal(sameToken('abc', 'abc'), true);
  assert.equal(sameToken('abd', 'abc'), false);
  assert.equal(sameToken(undefined, 'abc'), false);
});

test('a page refreshes itself only while asked to, and only the operator sees the operator menu', () => {
  const who = { dipId: '1000000001', user: null, name: 'Supplier', csrf: 't', operator: false };
  const running = layout({ title: 'Requeue', signedIn: who, environment: 'DEV', refreshSeconds: 2 }, html``).html;
  assert.match(running, /<meta http-equiv="refresh" content="2" \/>/);
  const done = layout({ title: 'Requeue', signedIn: who, environment: 'DEV', refreshSeconds: null }, html``).html;
  assert.doesNotMatch(done, /http-equiv/);
  assert.doesNotMatch(done, /\/portal\/operator\//);
  const operator = layout({ title: 'x', signedIn: { ...who, operator: true }, environment: 'DEV' }, html``).html;
  assert.match(operator, /href="\/portal\/operator\/deliveries"/);
});

test('the requeue form becomes the published request bodies; status messages are chosen by time only', () => {
  const body = (fields: Record<string, string>) => {
    const r = requeueBody(fields);
    return 'body' in r ? JSON.parse(r.body.toString()) : r.help;
  };
  assert.deepEqual(body({ channel: 'IF-021', MPAN: '1900000000013' }), {
    datetimeFrom: null,
    datetimeTo: null,
    eventCode: null,
    MPAN: '1900000000013',
    version: null,
  });
  const window = { datetimeFrom: '2026-12-04T00:00:00Z', datetimeTo: '2026-12-04T12:00:00Z' };
  assert.deepEqual(body({ channel: 'STATUS', ...window }), window);
  assert.match(body({ channel: 'STATUS', datetimeFrom: window.datetimeFrom }), /need both From and To/);
  assert.match(body({ channel: 'STATUS', ...window, eventCode: '[X]' }), /by time only/);
});

test('the deliveries page offers an action only for a state it takes and a named recipient, with the count on it', () => {
  const view = (query: Record<string, string>, count: number) =>
    deliveriesPage({
      csrf: 't',
      states: ['pending', 'waiting', 'held', 'dead'],
      query,
      count: { count, atLeast: false },
      copies: [],
      next: null,
      notice: null,
      error: null,
    }).html;
  const dead = view({ state: 'dead', recipient: '1300000001' }, 4);
  assert.match(dead, />Redrive 4 copies</);
  assert.doesNotMatch(dead, /Release/);
  const pending = view({ state: 'pending', recipient: '1300000001' }, 1);
  assert.match(pending, />Release 1 copy</);
  assert.doesNotMatch(pending, /Redrive/);
  assert.doesNotMatch(view({ state: 'held' }, 3), /<button type="submit">(Redrive|Release)/);
  assert.doesNotMatch(view({ state: 'held', recipient: '1300000001' }, 0), /<button type="submit">(Redrive|Release)/);
});

test('a test call’s answer is read as deliveries would read it; a refused empty batch still reached the webhook', () => {
  assert.deepEqual(
    [201, 200, 400, 401, 403, 503, 429, 404, null].map((s) => testVerdict(s).ok),
    [true, true, true, false, false, false, false, false, false],
  );
  assert.match(testVerdict(503).says, /retried/);
  assert.match(testVerdict(404).says, /refused/);
  assert.match(testVerdict(401).says, /signature or certificate/);
  assert.match(testVerdict(null).says, /until it answers/);
});
