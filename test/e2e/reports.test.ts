/**
 * Compressed ECS reports (seed §4.5, P03) end to end: a DIP told to check reports refuses one whose
 * decoded report breaks its schema (MSG1001 with the path) and accepts a good one; by default it passes
 * them on, and a receiver decoding reports (`opendip sink --decode-reports`) answers the bad one RCP1001,
 * which its sender is told of, and writes the good one's decoded report beside it; `opendip validate`
 * decodes and checks reports in files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { samplePayload } from '../../src/catalogue/sample.js';
import { leafFor } from '../../src/catalogue/messages.js';
import { encodeReport } from '../../src/domain/compressed-report.js';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import { reportReader } from '../../src/validation/reports.js';
import { createSchemaRegistry } from '../../src/validation/schemas.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { until } from '../helpers/until.js';
import { copiesOf, SUP, surOf } from './delivery-support.js';
import { runCli } from './support.js';

const MDS = '1700000001';
const dir = mkdtempSync(join(tmpdir(), 'opendip-reports-'));
let checking: TestDip;
let passing: TestDip;
let sink: Sink;

before(async () => {
  checking = await startTestDip({ flags: { batchLingerMs: '0', checkReports: 'true' } });
  passing = await startTestDip({ flags: { batchLingerMs: '0' } });
  sink = await startSink({
    trustedCa: [passing.pki.ca.certificatePem],
    out: join(dir, 'received.jsonl'),
    reports: reportReader(passing.dip.catalogue, createSchemaRegistry(passing.dip.catalogue)),
  });
  assert.equal((await passing.subscribe(SUP, 'REP-002', `${sink.url}/sup`)).status, 201);
});
after(async () => {
  await checking?.close();
  await passing?.close();
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A REP-002 report from the MDS to the supplier; `broken` puts a number where the report has a list. */
function report(t: TestDip, broken: boolean) {
  const message = t.message({ channel: 'REP-002', sender: MDS, role: 'MDS', primaryRecipients: [SUP] });
  if (broken) {
    const doc = t.dip.catalogue.documents[leafFor(t.dip.catalogue, 'REP-002').document]!;
    const good = samplePayload(doc, 'REP-002-CustomBlock', { fill: 'full' });
    const first = Object.keys(good)[0]!;
    (message.payload.CustomBlock as { P03: { compressedReport: string } }).P03.compressedReport = encodeReport({
      ...good,
      [first]: 42,
    });
  }
  return message;
}

test('a DIP told to check reports refuses a report that breaks its schema, with the path, and takes a good one', async () => {
  const bad = await checking.send({ as: MDS, channel: 'REP-002', body: [report(checking, true)] });
  assert.equal(bad.status, 400, bad.text);
  const [item] = bad.json.messageArray;
  assert.equal(item!.message, 'MSG1001 - Schema Failure');
  assert.match(item!.help!, /\/CustomBlock\/P03\/compressedReport \(decoded REP-002-CustomBlock\) \/\w+: must be/);
  const good = await checking.send({ as: MDS, channel: 'REP-002', body: [report(checking, false)] });
  assert.equal(good.status, 201, good.text);
});

test('by default the DIP passes reports on; a receiver decoding them refuses the bad one and keeps the good', async () => {
  const [bad, good] = [report(passing, true), report(passing, false)];
  const sent = await passing.send({ as: MDS, channel: 'REP-002', body: [bad, good] });
  assert.equal(sent.status, 201, sent.text);
  const copy = async (m: typeof bad) => (await copiesOf(passing, surOf(m))).find((c) => c.recipientId === SUP)!;
  await until(
    async () => (await copy(bad)).state === 'rejected' && (await copy(good)).state === 'delivered',
    'the bad report refused and the good one taken',
  );
  assert.match((await copy(bad)).lastError ?? '', /RCP1001/);
  const lines = readFileSync(join(dir, 'received.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { transactionID: string; report?: Record<string, unknown> });
  assert.deepEqual(
    lines.map((l) => l.transactionID),
    [sent.json.messageArray[1]!.transactionID],
    'only the good one was accepted',
  );
  const doc = passing.dip.catalogue.documents[leafFor(passing.dip.catalogue, 'REP-002').document]!;
  assert.deepEqual(
    Object.keys(lines[0]!.report!).sort(),
    Object.keys(samplePayload(doc, 'REP-002-CustomBlock', { fill: 'full' })).sort(),
  );
});

test('opendip validate decodes each report and checks it against its schema', async () => {
  const file = join(dir, 'reports.json');
  writeFileSync(file, JSON.stringify([report(passing, false), report(passing, true)]));
  const r = await runCli(['validate', file]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^message 0 \(REP-002 \[DUOSSupplierAggData\]\): OK$/m);
  assert.match(
    r.stdout,
    /^message 1 \(REP-002 \[DUOSSupplierAggData\]\):\n\s+- .*compressedReport \(decoded REP-002-CustomBlock\)/m,
  );
});
