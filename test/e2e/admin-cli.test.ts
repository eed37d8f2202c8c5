/**
 * `opendip admin deliveries` end to end: the commands sign as the operator over the operator API, count and
 * list the copies a 404 webhook left held, redrive them once it is fixed; a participant's certificate is refused.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { copyWhen, MSS, SUP, surOf } from './delivery-support.js';
import { failed, runCli } from './support.js';

const OPERATOR = '9000000001';
let t: TestDip;
let mss: Sink;

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  mss = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  assert.equal((await t.subscribe(MSS, 'IF-004', `${mss.url}/mss`)).status, 201);
});
after(async () => {
  await t?.close();
  await mss?.close();
});

/** `opendip admin deliveries …` signed as `as`. */
function admin(as: string, ...args: string[]) {
  return adminCommand(as, 'deliveries', ...args);
}

/** `opendip admin …` signed as `as`. */
function adminCommand(as: string, ...args: string[]) {
  const cert = join(t.dataDir, `${as}.pem`);
  const key = join(t.dataDir, `${as}-key.pem`);
  writeFileSync(cert, t.pki.participants[as]!.certificatePem);
  writeFileSync(key, t.pki.participants[as]!.privateKeyPem);
  return runCli(['admin', ...args, '--url', `${t.origin}/1.1`, '--cert', cert, '--key', key]);
}

test('an operator counts, lists and redrives held copies from the command line', async () => {
  mss.setBehaviour({ failWith: { status: 404, times: 1_000 } });
  const batch = t.batch({ channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: [MSS] }, 2);
  assert.equal((await t.send({ as: SUP, channel: 'IF-004', body: batch })).status, 201);
  for (const m of batch) await copyWhen(t, surOf(m), MSS, (c) => c.state === 'held', 'held');

  const count = await admin(OPERATOR, 'count', '--state', 'held', '--recipient', MSS);
  assert.equal(count.code, 0, count.stderr);
  assert.equal(count.stdout.trim(), '2 held');
  const list = await admin(OPERATOR, 'list', '--recipient', MSS, '--json');
  assert.equal(list.code, 0, list.stderr);
  const page = JSON.parse(list.stdout) as { copies: { state: string; lastStatus: number; channel: string }[] };
  assert.deepEqual(
    page.copies.map((c) => [c.state, c.lastStatus, c.channel]),
    [
      ['held', 404, 'IF-004'],
      ['held', 404, 'IF-004'],
    ],
  );

  mss.setBehaviour({});
  const redrive = await admin(OPERATOR, 'redrive', '--recipient', MSS, '--channel', 'IF-004', '--role', 'MSS');
  assert.equal(redrive.code, 0, redrive.stderr);
  assert.equal(redrive.stdout.trim(), '2 copies redriven');
  for (const m of batch) await copyWhen(t, surOf(m), MSS, (c) => c.state === 'delivered', 'delivered');
  assert.equal((await admin(OPERATOR, 'count', '--recipient', MSS)).stdout.trim(), '0 held');
});

test('an operator releases held copies and sees the endpoint from the command line', async () => {
  mss.setBehaviour({ failWith: { status: 404, times: 1_000 } });
  const batch = t.batch({ channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: [MSS] }, 1);
  assert.equal((await t.send({ as: SUP, channel: 'IF-004', body: batch })).status, 201);
  await copyWhen(t, surOf(batch[0]!), MSS, (c) => c.state === 'held', 'held');
  mss.setBehaviour({});

  const released = await admin(OPERATOR, 'release', '--recipient', MSS, '--state', 'held');
  assert.equal(released.code, 0, released.stderr);
  assert.equal(released.stdout.trim(), '1 copies released');
  await copyWhen(t, surOf(batch[0]!), MSS, (c) => c.state === 'dead', 'released as a dead letter');
  assert.equal((await admin(OPERATOR, 'release', '--recipient', MSS)).stdout.trim(), '0 copies released');

  const listed = await adminCommand(OPERATOR, 'endpoints', '--recipient', MSS, '--json');
  assert.equal(listed.code, 0, listed.stderr);
  const page = JSON.parse(listed.stdout) as { endpoints: Record<string, unknown>[]; next: string | null };
  assert.deepEqual(
    page.endpoints.map((e) => [e.recipientId, e.channel, e.role, e.breaker, e.webhook, e.pending]),
    [[MSS, 'IF-004', 'MSS', 'closed', true, 0]],
  );
  const text = await adminCommand(OPERATOR, 'endpoints', '--recipient', MSS);
  assert.match(text.stdout, new RegExp(`^${MSS} MSS +IF-004 +breaker closed .* webhook yes +pending 0`));
  const bad = await adminCommand(OPERATOR, 'endpoints', '--breaker', 'broken');
  assert.ok(failed(bad), `exit ${bad.code}`);
  assert.match(bad.stderr, /HTTP 400: MSG1000 - .*: breaker must be one of closed, open, half-open/);
});

test('the commands fail, saying why, for a participant that is not an operator', async () => {
  const r = await admin(SUP, 'count');
  assert.ok(failed(r), `exit ${r.code}`);
  assert.match(r.stderr, /HTTP 403: MSG1000 - .*: 1000000001 is not an operator of this DIP/);
});
