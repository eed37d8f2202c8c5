/**
 * `opendip admin deliveries` end to end: the commands sign as the operator over the operator API, count and
 * list the copies a 404 webhook left held, redrive them once it is fixed; a participant's certificate is refused.
 * `opendip admin replay|requeue --for`: the participant's own replay and requeue, run by the operator for it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { callsTo, copyWhen, MSS, SUP, surOf } from './delivery-support.js';
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

/** `opendip …` signed as `as`. */
function signedCli(as: string, ...args: string[]) {
  const cert = join(t.dataDir, `${as}.pem`);
  const key = join(t.dataDir, `${as}-key.pem`);
  writeFileSync(cert, t.pki.participants[as]!.certificatePem);
  writeFileSync(key, t.pki.participants[as]!.privateKeyPem);
  return runCli([...args, '--url', `${t.origin}/1.1`, '--cert', cert, '--key', key]);
}

/** `opendip admin …` signed as `as`. */
const adminCommand = (as: string, ...args: string[]) => signedCli(as, 'admin', ...args);
/** `opendip admin deliveries …` signed as `as`. */
const admin = (as: string, ...args: string[]) => adminCommand(as, 'deliveries', ...args);
/** `opendip admin …` signed as the operator. */
const asOperator = (...args: string[]) => adminCommand(OPERATOR, ...args);

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

test('an operator replays and requeues for a participant from the command line, as the participant would itself', async () => {
  const batch = t.batch({ channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: [MSS] }, 2);
  assert.equal((await t.send({ as: SUP, channel: 'IF-004', body: batch })).status, 201);
  for (const m of batch) await copyWhen(t, surOf(m), MSS, (c) => c.state === 'delivered', 'delivered');

  const payloads = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { payload: unknown }).payload);
  const own = await signedCli(MSS, 'replay', '--recipient', MSS, '--channel', 'IF-004');
  assert.equal(own.code, 0, own.stderr);
  const behalf = await signedCli(OPERATOR, 'admin', 'replay', '--for', MSS, '--channel', 'IF-004', '--role', 'MSS');
  assert.equal(behalf.code, 0, behalf.stderr);
  assert.deepEqual(payloads(behalf.stdout), payloads(own.stdout));
  assert.equal(payloads(behalf.stdout).length, 5, 'the two redriven earlier, the one released and these two');
  assert.match(behalf.stderr, /replayed 5 item\(s\) in 1 page\(s\)/);

  const archived = await t.dip.store.messageByReference(surOf(batch[0]!));
  assert.ok(archived);
  const before = callsTo(mss, '/mss').length;
  const requeue = await signedCli(
    OPERATOR,
    'admin',
    'requeue',
    '--for',
    MSS,
    '--channel',
    'IF-004',
    '--transaction',
    archived.transactionId,
  );
  assert.equal(requeue.code, 0, requeue.stderr);
  assert.match(requeue.stdout, /^requeue 1300000001-\d{8}-[0-9a-f]{16}\n[\s\S]*Completed: 1 of 1\n$/);
  assert.ok(callsTo(mss, '/mss').length > before, 'the webhook was called again');
  const journal = await t.dip.store.journalOfReference(surOf(batch[0]!));
  assert.ok(journal.some((e) => e.status === 'Requeued' && e.reason === `requeued by operator ${OPERATOR} for ${MSS}`));
});

test('replay and requeue for a participant fail, saying why, without --for, for a role it lacks, or for a non-operator', async () => {
  const none = await signedCli(OPERATOR, 'admin', 'replay', '--channel', 'IF-004');
  assert.ok(failed(none), `exit ${none.code}`);
  assert.match(none.stderr, /required option '--for <dipId>' not specified/);
  const role = await signedCli(OPERATOR, 'admin', 'requeue', '--for', MSS, '--channel', 'IF-004', '--role', 'SUP');
  assert.ok(failed(role), `exit ${role.code}`);
  assert.match(role.stderr, /HTTP 400 MSG1000 - .*: 1300000001 does not hold the role SUP: it holds MSS/);
  const participant = await signedCli(SUP, 'admin', 'replay', '--for', MSS, '--channel', 'IF-004');
  assert.ok(failed(participant), `exit ${participant.code}`);
  assert.match(participant.stderr, /HTTP 403 MSG1000 - .*: 1000000001 is not an operator of this DIP/);
});

test('an operator pauses and resumes ingress and delivery from the command line', async () => {
  const pause = await asOperator(
    'pause',
    '--ingress',
    '--channel',
    'IF-004',
    '--retry-after',
    '90',
    '--reason',
    'upgrade',
  );
  assert.equal(pause.code, 0, pause.stderr);
  assert.match(pause.stdout, /^paused ingress on IF-004 \(upgrade\), Retry-After 90 s, by 9000000001 at /);
  const refused = await t.send({
    as: SUP,
    channel: 'IF-004',
    body: t.batch({ channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: [MSS] }, 1),
  });
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['retry-after'], '90');

  const delivery = await asOperator('pause', '--delivery', '--channel', 'IF-004', '--recipient', MSS, '--role', 'MSS');
  assert.equal(delivery.code, 0, delivery.stderr);
  const listed = await asOperator('pauses');
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(
    listed.stdout
      .trim()
      .split('\n')
      .map((l) => l.replace(/, by .*/, '')),
    ['delivery on IF-004 to 1300000001 as MSS', 'ingress on IF-004 (upgrade), Retry-After 90 s'],
  );

  const resume = await asOperator('resume', '--ingress', '--channel', 'IF-004');
  assert.equal(resume.code, 0, resume.stderr);
  assert.equal(resume.stdout.trim(), 'resumed ingress on IF-004; 1 pause(s) still in force');
  const again = await asOperator('resume', '--ingress', '--channel', 'IF-004');
  assert.ok(failed(again));
  assert.match(again.stderr, /HTTP 404: MSG1000 - .*: no pause of ingress on IF-004 is in force/);
  const both = await asOperator('pause', '--ingress', '--delivery');
  assert.ok(failed(both));
  assert.match(both.stderr, /say --ingress or --delivery/);
  const end = await asOperator(
    'resume',
    '--delivery',
    '--channel',
    'IF-004',
    '--recipient',
    MSS,
    '--role',
    'MSS',
    '--json',
  );
  assert.equal(end.code, 0, end.stderr);
  assert.deepEqual(JSON.parse(end.stdout), { resumed: 'delivery on IF-004 to 1300000001 as MSS', pauses: [] });
});
