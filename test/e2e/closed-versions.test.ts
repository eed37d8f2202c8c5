/**
 * A schema version closed for ingress (seed §8.5.2, after an upgrade): a message in it is refused as a
 * schema failure, by the send API and /validate alike, while what was archived in it before is still
 * replayed as it was sent; a closed version naming no loaded schema stops the DIP from starting.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { leafFor } from '../../src/catalogue/messages.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';

const SDS = '1200000001';
const SUP = '1000000001';
const LDSO = '1600000001';
const MPAN = '1900000000013';
const dir = mkdtempSync(join(tmpdir(), 'opendip-closed-'));
const version = leafFor(loadCatalogue(), 'IF-021').schemaVersion;
let t: TestDip | undefined;
after(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const consumption = (dip: TestDip) =>
  dip.message({ channel: 'IF-021', sender: SDS, role: 'SDS', mpan: MPAN, distributor: LDSO });

test('a closed version is refused on ingress and still replayed as archived', async () => {
  t = await startTestDip({ dataDir: dir, flags: { batchLingerMs: '0' } });
  await t.appoint(MPAN, 'SUP', SUP);
  const before = await t.send({ as: SDS, channel: 'IF-021', body: [consumption(t)] });
  assert.equal(before.status, 201, before.text);
  await t.close({ keepData: true });

  t = await startTestDip({ dataDir: dir, flags: { batchLingerMs: '0', closedSchemaVersions: `IF-021=${version}` } });
  const refused = await t.send({ as: SDS, channel: 'IF-021', body: [consumption(t)] });
  assert.equal(refused.status, 400, refused.text);
  assert.equal(refused.json.messageArray[0]!.message, 'MSG1001 - Schema Failure');
  assert.match(refused.json.messageArray[0]!.help!, new RegExp(`version ${version} of IF-021 is closed for ingress`));
  const validated = await t.dip.app.inject({
    method: 'POST',
    url: '/validate/IF-021/ActivePower',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify([consumption(t)]),
  });
  assert.equal(validated.statusCode, 400);
  assert.match(validated.body, /closed for ingress/);
  const replayed = await t.send({
    as: SUP,
    channel: 'x',
    method: 'POST',
    path: `/1.1/dip-channel/IF-021/replay/${SUP}`,
    body: { datetimeFrom: null, datetimeTo: null, eventCode: null, MPAN: null, version: null },
    apiKey: null,
  });
  assert.equal(replayed.status, 200, replayed.text);
  const items = JSON.parse(replayed.text) as {
    replay: { originalTransactionID: string };
    payload: { CommonBlock: { S0: { schemaVersion: string } } };
  }[];
  assert.deepEqual(
    items.map((i) => [i.replay.originalTransactionID, i.payload.CommonBlock.S0.schemaVersion]),
    [[before.json.messageArray[0]!.transactionID, version]],
  );
});

test('a closed version that names no loaded schema stops the DIP from starting', async () => {
  await assert.rejects(
    startTestDip({ flags: { closedSchemaVersions: 'IF-021=999' } }),
    /--closed-schema-versions: no schema of IF-021 has version 999/,
  );
});
