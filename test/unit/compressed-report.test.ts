import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { loadCatalogue, packageRoot } from '../../src/catalogue/load.js';
import { buildPayload, leafFor } from '../../src/catalogue/messages.js';
import { samplePayload } from '../../src/catalogue/sample.js';
import { decodeReport, encodeReport, encodingOf } from '../../src/domain/compressed-report.js';
import { checkReport, reportReader } from '../../src/validation/reports.js';
import { createSchemaRegistry } from '../../src/validation/schemas.js';

const catalogue = loadCatalogue();
const schemas = createSchemaRegistry(catalogue);
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(packageRoot(), 'test', 'fixtures', name), 'utf8')) as unknown;
const b64 = (b: Buffer): string => b.toString('base64');

test('a report compressed with gzip (the seed) or zlib (the published example) decodes to what was compressed', () => {
  const report = { R013: [{ a: 'é', n: '4.440000' }] };
  const json = Buffer.from(JSON.stringify(report));
  assert.deepEqual(decodeReport(encodeReport(report)), { ok: true, report, encoding: 'gzip' });
  assert.deepEqual(decodeReport(b64(gzipSync(json))), { ok: true, report, encoding: 'gzip' });
  assert.deepEqual(decodeReport(b64(deflateSync(json))), { ok: true, report, encoding: 'zlib' });
  assert.equal(encodingOf(gzipSync(json)), 'gzip');
  assert.equal(encodingOf(Buffer.from('{"a":1}')), null, 'plain JSON is neither');
});

test("Elexon's REP-002 example is base64 of zlib and decodes to its published decoded report", () => {
  const [example] = fixture('REP-002-example.json') as {
    payload: { CustomBlock: { P03: { compressedReport: string } } };
  }[];
  const decoded = decodeReport(example!.payload.CustomBlock.P03.compressedReport);
  assert.equal(decoded.ok && decoded.encoding, 'zlib');
  assert.deepEqual(decoded.ok && decoded.report, fixture('REP-002-example-decoded.json'));
});

test('what is not a compressed report is refused with what is wrong, and decompression stops at its bound', () => {
  const help = (text: unknown, max?: number): string => {
    const d = decodeReport(text, max);
    return d.ok ? 'ok' : d.help;
  };
  assert.match(help(null), /must be the report, compressed with gzip and base64-encoded/);
  assert.match(help('not base64!'), /is not standard base64/);
  assert.match(help(b64(Buffer.from('{"R013": []}'))), /neither gzip nor zlib/);
  assert.match(help(b64(gzipSync(Buffer.from('not json')))), /not JSON/);
  assert.match(help(b64(gzipSync(Buffer.from('x'.repeat(10_000)))), 1_000), /decompresses to more than 1000 bytes/);
  const truncated = gzipSync(Buffer.from(JSON.stringify({ a: 'b'.repeat(500) })));
  assert.match(help(b64(truncated.subarray(0, truncated.length - 8))), /not valid gzip data/);
});

test("every ECS report sample carries a report valid against its channel's REP-xxx-CustomBlock", () => {
  const reports = [...catalogue.channels.keys()].filter((c) => c.startsWith('REP-'));
  assert.equal(reports.length, 12, 'the twelve compressed reports of seed §4.5');
  for (const channel of reports) {
    const payload = buildPayload(catalogue, { channel, sender: '1700000001' });
    const verdict = checkReport(catalogue, schemas, leafFor(catalogue, channel), payload);
    assert.equal(verdict.kind, 'ok', `${channel}: ${JSON.stringify(verdict)}`);
  }
});

test('a report that decodes but breaks its schema is refused with the path inside the decoded report', () => {
  const leaf = leafFor(catalogue, 'REP-002');
  const doc = catalogue.documents[leaf.document]!;
  const report = samplePayload(doc, 'REP-002-CustomBlock', { fill: 'full' });
  const payload = buildPayload(catalogue, { channel: 'REP-002', sender: '1700000001' });
  const p03 = (payload.CustomBlock as { P03: { compressedReport: string } }).P03;
  const key = Object.keys(report)[0]!;
  p03.compressedReport = encodeReport({ ...report, [key]: 42 });
  const verdict = checkReport(catalogue, schemas, leaf, payload);
  assert.equal(verdict.kind, 'problem');
  assert.match(
    verdict.kind === 'problem' ? verdict.problems[0]! : '',
    new RegExp(`^/CustomBlock/P03/compressedReport \\(decoded REP-002-CustomBlock\\) /${key}: `),
  );
  assert.deepEqual(checkReport(catalogue, schemas, leafFor(catalogue, 'IF-021'), payload), { kind: 'none' });
  // Elexon's example carries a REP-003-shaped report under REP-002 (and an older S0): given the S0 this
  // catalogue knows, the reader says the report is not a REP-002 report rather than accept it.
  const [example] = fixture('REP-002-example.json') as { payload: { CommonBlock: { S0: Record<string, string> } } }[];
  Object.assign(example!.payload.CommonBlock.S0, { eventCode: leaf.eventCode, schemaVersion: leaf.schemaVersion });
  const read = reportReader(catalogue, schemas)(example!.payload);
  assert.ok(read && 'problem' in read && /decoded REP-002-CustomBlock/.test(read.problem), JSON.stringify(read));
});
