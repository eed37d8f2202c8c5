/**
 * Layering the published documents: a later release's paths and schemas replace the earlier ones and stand
 * over OpenDIP's own description of the same path; OpenDIP only adds what no release has.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { OpenApiDoc } from '../../src/catalogue/catalogue.js';
import { describeApi } from '../../src/http/api-description/document.js';

type Json = Record<string, unknown>;
const bundled = (): OpenApiDoc => JSON.parse(readFileSync('catalogue/dip-openapi-2.1.0.json', 'utf8')) as OpenApiDoc;

const DELIVERY = '/dip-channel/{id}/deliveryStatus/{recipient-id}/{message-id}';

/** A stand-in for 2.2.1: it publishes deliveryStatus (with only GET) and its own journal schema. */
function later(): OpenApiDoc {
  const doc = bundled();
  return {
    ...doc,
    info: { ...doc.info, version: '2.2.1' },
    servers: [{ url: 'https://dip-api-documentation.elexon.co.uk/' }],
    paths: {
      [DELIVERY]: { get: { operationId: 'deliveryStatus', responses: { '200': { description: 'published' } } } },
    },
    components: { schemas: { DIPJournalRecord: { type: 'object' } } },
  } as unknown as OpenApiDoc;
}

test('a later release replaces what it publishes, and OpenDIP’s description of the same path steps aside', () => {
  const doc = describeApi([bundled(), later()], '1.1') as Json;
  const paths = doc.paths as Record<string, Json>;
  assert.deepEqual(paths[DELIVERY], {
    get: { operationId: 'deliveryStatus', responses: { '200': { description: 'published' } } },
  });
  // What the later release does not publish is still the earlier release's, or OpenDIP's.
  assert.ok(paths['/dip-channel/{id}'] && !('x-opendip' in paths['/dip-channel/{id}']));
  assert.equal(typeof paths['/statusmessage/replay/{recipient-id}']!['x-opendip'], 'string');
  const schemas = (doc.components as Record<string, Json>).schemas!;
  assert.deepEqual(schemas.DIPJournalRecord, { type: 'object' });
  assert.ok(schemas['DT-000-InterfaceID'], 'the earlier release’s schemas remain');
  assert.equal((doc.info as Json).version, '2.2.1');
  const mark = doc['x-opendip'] as Json;
  assert.deepEqual(mark.published, ['2.1.0', '2.2.1']);
  assert.deepEqual(mark.publishedServers, [{ url: 'https://dip-api-documentation.elexon.co.uk/' }]);
  assert.equal((doc.servers as Json[])[0]!.url, '/{version}');
});

test('the published objects are left as they were', () => {
  const docs = [bundled(), later()];
  const before = JSON.stringify(docs);
  JSON.stringify(describeApi(docs, '1.1'));
  assert.equal(JSON.stringify(docs), before);
});
