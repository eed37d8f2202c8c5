/**
 * Rotating the DIP's signing key with `opendip pki rotate-signing-key`: a replay continuation token issued
 * before the rotation still continues after the DIP restarts on the new key, new tokens are sealed with the
 * new key, and a forged token is refused.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { continuationKeyOf, sealContinuation } from '../../src/domain/continuation.js';
import { withCheckDigit } from '../../src/domain/mpan.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { testPki } from '../helpers/pki.js';
import { removeDir, runCli } from './support.js';

const SUP = '1000000001';
const SDS = '1200000001';
const LDSO = '1600000001';
const MPAN = withCheckDigit('198000000001');
const REQUEST = { datetimeFrom: null, datetimeTo: null, eventCode: null, MPAN: null, version: null };

const dataDir = mkdtempSync(join(tmpdir(), 'opendip-rotation-'));
let t: TestDip | undefined;
after(async () => {
  await t?.close();
  removeDir(dataDir);
});

test('a continuation token issued before a rotation continues after it; a forged one is refused', async () => {
  const pki = await testPki();
  const keys = join(dataDir, 'keys');
  mkdirSync(keys);
  const files = {
    key: join(keys, 'dip-key.pem'),
    cert: join(keys, 'dip.pem'),
    caCert: join(keys, 'ca.pem'),
    caKey: join(keys, 'ca-key.pem'),
  };
  writeFileSync(files.key, pki.dip.privateKeyPem);
  writeFileSync(files.cert, pki.dip.certificatePem);
  writeFileSync(files.caCert, pki.ca.certificatePem);
  writeFileSync(files.caKey, pki.ca.privateKeyPem);
  const flags = { replayPageSize: '2', dipKey: files.key, dipCert: files.cert };
  t = await startTestDip({ dataDir, flags });
  await t.appoint(MPAN, 'SUP', SUP);
  const batch = t.batch({ channel: 'IF-021', sender: SDS, role: 'SDS', distributor: LDSO, mpan: MPAN }, 5);
  const sent = await t.send({ as: SDS, channel: 'IF-021', body: batch });
  assert.equal(sent.status, 201, sent.text.slice(0, 300));
  const replay = (token?: string): Promise<Reply> =>
    t!.send({
      as: SUP,
      channel: 'IF-021',
      path: `/1.1/dip-channel/IF-021/replay/${SUP}`,
      body: REQUEST,
      headers: token ? { 'X-Continuation-Token': token } : {},
    });
  const ids = (r: Reply): string[] =>
    (JSON.parse(r.text) as { payload: { CommonBlock: { D0: { transactionID: string } } } }[]).map(
      (e) => e.payload.CommonBlock.D0.transactionID,
    );
  const first = await replay();
  assert.equal(first.status, 206, first.text.slice(0, 300));
  const issued = first.headers['x-continuation-token'] as string;
  const got = ids(first);
  await t.close({ keepData: true });
  t = undefined;

  const rotation = await runCli([
    'pki',
    'rotate-signing-key',
    '--dip-key',
    files.key,
    '--dip-cert',
    files.cert,
    '--ca-cert',
    files.caCert,
    '--ca-key',
    files.caKey,
  ]);
  assert.equal(rotation.code, 0, rotation.stderr);
  assert.match(rotation.stdout, /new signing certificate .* the old key is kept in/);
  const newKey = readFileSync(files.key, 'utf8');
  assert.notEqual(newKey, pki.dip.privateKeyPem, 'the key was replaced');
  assert.notEqual(readFileSync(files.cert, 'utf8'), pki.dip.certificatePem, 'and its certificate');
  const retired = readdirSync(join(keys, 'retired-signing-keys'));
  assert.equal(retired.length, 1);
  assert.equal(readFileSync(join(keys, 'retired-signing-keys', retired[0]!), 'utf8'), pki.dip.privateKeyPem);
  assert.ok(!existsSync(`${files.key}.tmp`), 'no half-written file is left');

  t = await startTestDip({ dataDir, flags });
  const second = await replay(issued);
  assert.equal(second.status, 206, second.text.slice(0, 300));
  got.push(...ids(second));
  const renewed = second.headers['x-continuation-token'] as string;
  assert.ok(renewed.startsWith(`${continuationKeyOf(newKey).id}.`), 'the next token is sealed with the new key');
  const last = await replay(renewed);
  assert.equal(last.status, 200, last.text.slice(0, 300));
  got.push(...ids(last));
  assert.deepEqual(
    got,
    sent.json.messageArray.map((m) => m.transactionID),
    'every message once, in order, across the rotation',
  );

  // Forged: the same continuation sealed with a key the DIP never held, under the retired key's id.
  const [id, body] = issued.split('.') as [string, string, string];
  const forged = sealContinuation(
    { current: { id, key: Buffer.alloc(32, 1) }, previous: [] },
    JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { request: string; after: unknown },
    Date.now(),
  );
  const refused = await replay(forged);
  assert.equal(refused.status, 400);
  assert.match(refused.json.messageArray[0]!.message!, /^MSG1000 /);
  assert.match(refused.json.messageArray[0]!.help!, /X-Continuation-Token is not one this DIP issued/);
});
