/**
 * The API the DIP describes itself: GET /{version}/openapi.json is one valid OpenAPI 3 document, naming every
 * route the server has and no other, with the published part as published; /docs renders it with files served
 * from node_modules. Neither is a signed or audited API call.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { request } from 'undici';
import type { OpenAPI } from 'openapi-types';
import { startTestDip, type TestDip } from '../helpers/dip.js';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let t: TestDip;
let doc: Json;
before(async () => {
  t = await startTestDip({ market: false });
  const res = await request(`${t.origin}/1.1/openapi.json`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  doc = (await res.body.json()) as Json;
});
after(() => t.close());

const paths = (): Record<string, Json> => doc.paths as Record<string, Json>;
const published = (): Json => JSON.parse(readFileSync('catalogue/dip-openapi-2.1.0.json', 'utf8')) as Json;

/** Each operation of the document as METHOD and full path pattern: its server's URL joined to the path. */
function documentedOperations(): { method: string; path: string }[] {
  const top = (doc.servers as { url: string }[])[0]!.url;
  return Object.entries(paths()).flatMap(([path, item]) => {
    const server = (item.servers as { url: string }[] | undefined)?.[0]?.url ?? top;
    const full = `${server.replace(/\/$/, '')}${path}`;
    return METHODS.filter((m) => item[m]).map((m) => ({ method: m.toUpperCase(), path: full }));
  });
}

/** Whether a route pattern (`/:version/dip-channel/:id`) serves a document path (`/{version}/dip-channel/{id}`). */
function serves(route: string, path: string): boolean {
  const [r, p] = [route.split('/'), path.split('/')];
  return (
    r.length === p.length &&
    r.every((seg, i) =>
      seg.startsWith(':') ? p[i] !== '' : !p[i]!.startsWith('{') && seg.toLowerCase() === p[i]!.toLowerCase(),
    )
  );
}

test('the document is OpenAPI 3 that a validator accepts, served for this DIP’s version', async () => {
  assert.equal(doc.openapi, '3.0.0');
  const api = await SwaggerParser.validate(structuredClone(doc) as unknown as OpenAPI.Document);
  assert.ok(api.paths);
  assert.deepEqual(doc.servers, [
    { url: '/{version}', description: 'this DIP', variables: { version: { default: '1.1', enum: ['1.1'] } } },
  ]);
});

test('every route the server has is in the document, and the document names no path it does not serve', () => {
  const routes = t.dip.app.servedRoutes;
  const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.url));
  // Fastify answers HEAD for every GET route by itself.
  const own = routes.filter((r) => !(r.method === 'HEAD' && gets.has(r.url)));
  assert.ok(own.length >= 20, `only ${own.length} routes`);
  const ops = documentedOperations();
  const undocumented = own.filter((r) => !ops.some((o) => o.method === r.method && serves(r.url, o.path)));
  assert.deepEqual(undocumented, [], 'routes missing from the document');
  const unserved = ops.filter((o) => !own.some((r) => r.method === o.method && serves(r.url, o.path)));
  assert.deepEqual(unserved, [], 'documented paths the server does not serve');
  // A route of each kind, to show the check reaches them.
  for (const [method, path] of [
    ['GET', '/{version}/audit/messages/{transactionID}'],
    ['POST', '/{version}/validate/IF-024/SN-Vacant'],
    ['POST', '/validate/{id}/{event}'],
    ['GET', '/{version}/dip-channel/{id}/deliveryStatus/{recipient-id}/{message-id}'],
    ['GET', '/health'],
    ['GET', '/docs/{asset}'],
  ])
    assert.ok(
      ops.some((o) => o.method === method && o.path === path),
      `${method} ${path}`,
    );
});

/** Drops what OpenDIP marked as its own: array items and object members that carry x-opendip. */
function unmarked(value: unknown): unknown {
  const marked = (v: unknown) => typeof v === 'object' && v !== null && 'x-opendip' in v;
  if (Array.isArray(value)) return value.filter((v) => !marked(v)).map(unmarked);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => !marked(v))
      .map(([k, v]) => [k, unmarked(v)]),
  );
}

test('the published part is as published; what OpenDIP adds is marked x-opendip', () => {
  const original = published();
  assert.deepEqual(doc.info, original.info);
  assert.deepEqual(doc.security, original.security);
  const originalPaths = original.paths as Record<string, Json>;
  for (const [path, item] of Object.entries(originalPaths)) {
    const served = paths()[path]!;
    for (const m of METHODS.filter((x) => item[x])) assert.deepEqual(served[m], item[m], `${m} ${path}`);
    assert.deepEqual(unmarked(served.parameters ?? []), item.parameters ?? [], `parameters of ${path}`);
  }
  const components = doc.components as Record<string, Json>;
  for (const [section, entries] of Object.entries(original.components as Record<string, Json>))
    for (const [name, value] of Object.entries(entries)) assert.deepEqual(components[section]![name], value, name);
  for (const [path, item] of Object.entries(paths()))
    if (!(path in originalPaths)) assert.equal(typeof item['x-opendip'], 'string', `${path} is not marked`);
  for (const name of Object.keys(components.schemas!))
    if (!(name in (original.components as Record<string, Json>).schemas!))
      assert.ok(name.startsWith('OpenDIP-') && (components.schemas![name] as Json)['x-opendip'], name);
  // The webhook paths name the role OpenDIP lets a call configure.
  for (const path of ['/dip-channel/{id}/pubconfig/{recipient-id}', '/statusmessage/config/{recipient-id}']) {
    const role = (paths()[path]!.parameters as Json[]).find((p) => p.name === 'role')!;
    assert.equal(role.in, 'query');
    assert.match(String(role['x-opendip']), /per role/);
  }
});

test('the document is neither signed nor an audited call; another version is refused in the DIP’s shape', async () => {
  const wrong = await t.dip.app.inject({ method: 'GET', url: '/2.2/openapi.json' });
  assert.equal(wrong.statusCode, 404);
  assert.match(wrong.json().messageArray[0].help, /described at \/1\.1\/openapi\.json/);
  const posted = await t.dip.app.inject({ method: 'POST', url: '/1.1/openapi.json', payload: '{}' });
  assert.equal(posted.statusCode, 405);
  assert.equal(posted.headers.allow, 'GET, HEAD');
  const injected = await t.dip.app.inject({ method: 'GET', url: '/1.1/openapi.json' });
  assert.deepEqual(injected.json(), doc);
  for (const url of ['/docs', '/docs/init.js', '/health'])
    assert.equal((await request(`${t.origin}${url}`)).statusCode, 200);
  const head = await request(`${t.origin}/1.1/openapi.json`, { method: 'HEAD' });
  assert.equal(head.statusCode, 200);
  await head.body.dump();
  await request(`${t.origin}/1.1/nowhere`).then((r) => r.body.dump());
  await t.dip.callLog.flush();
  const calls = (await t.dip.store.searchCalls({}, null, null, 100)).map((c) => `${c.method} ${c.path}`);
  assert.ok(calls.includes('GET /1.1/nowhere'), 'an unknown path is an audited call');
  // A refused method is a call like any other; reading the description is not.
  assert.deepEqual(
    calls.filter((p) => /openapi|docs|health/.test(p)),
    ['POST /1.1/openapi.json'],
  );
});

test('/docs renders the document with Swagger UI, every file from node_modules and from this origin', async () => {
  const res = await request(`${t.origin}/docs`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.match(String(res.headers['content-security-policy']), /connect-src 'self'/);
  const html = await res.body.text();
  const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(urls.length >= 5);
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  for (const url of urls) {
    assert.match(url, /^\/docs\//, `${url} is not served by this DIP`);
    const asset = await request(`${t.origin}${url}`);
    assert.equal(asset.statusCode, 200, url);
    const bytes = Buffer.from(await asset.body.arrayBuffer());
    const name = url.slice('/docs/'.length);
    if (name === 'init.js') {
      const script = bytes.toString('utf8');
      assert.match(script, /url: "\/1\.1\/openapi\.json"/);
      assert.match(script, /validatorUrl: null/);
    } else assert.ok(bytes.equals(readFileSync(join(dist, name))), `${name} differs from swagger-ui-dist's`);
  }
  const outside = await request(`${t.origin}/docs/%2e%2e%2fpackage.json`);
  assert.equal(outside.statusCode, 404);
  assert.match(await outside.body.text(), /no such file/);
});
