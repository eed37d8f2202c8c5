/**
 * The registry's commands end to end, beside a running DIP on the same data directory: `opendip registry
 * issue-certificate` (at once, and `--not-before` for a rotation, judged by the DIP's injected clock),
 * `registry deactivate` and `registry revoke`, and the operator's `opendip admin participants`,
 * `admin certificates --expiring 30d` and `admin mpan <mpan> --at <time>` over the operator API.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fingerprintOf } from '../../src/crypto/certificates.js';
import { withCheckDigit } from '../../src/domain/mpan.js';
import { hashApiKey } from '../../src/registry/registry.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { failed, runCli } from './support.js';

const OPERATOR = '9000000001';
const SUP = '1000000001';
const SUP2 = '1000000002';
const MPAN = withCheckDigit('199000000001');
const HOUR = 3_600_000;

let t: TestDip;
let offset = 0;
const clock = { now: () => Date.now() + offset };
let ca: { cert: string; key: string };
before(async () => {
  t = await startTestDip({ clock });
  ca = { cert: join(t.dataDir, 'ca-for-cli.pem'), key: join(t.dataDir, 'ca-key-for-cli.pem') };
  writeFileSync(ca.cert, t.pki.ca.certificatePem);
  writeFileSync(ca.key, t.pki.ca.privateKeyPem);
});
after(async () => t?.close());

const registry = async (...args: string[]) => {
  const r = await runCli(['registry', ...args, '--data-dir', t.dataDir]);
  // What the command stored reaches the DIP at its next refresh; read it now rather than wait for one.
  await t.dip.registry.refresh();
  return r;
};

function admin(as: string, ...args: string[]) {
  const cert = join(t.dataDir, `${as}-admin.pem`);
  const key = join(t.dataDir, `${as}-admin-key.pem`);
  writeFileSync(cert, t.pki.participants[as]!.certificatePem);
  writeFileSync(key, t.pki.participants[as]!.privateKeyPem);
  return runCli(['admin', ...args, '--url', `${t.origin}/1.1`, '--cert', cert, '--key', key]);
}

/** A signed read as `as` with the certificate and key in `dir`, dated by the DIP's clock. */
const readAs = (as: string, dir: string, apiKey: string | null = null): Promise<Reply> =>
  t.send({
    as,
    method: 'GET',
    channel: 'x',
    path: `/1.1/mpans/${MPAN}/appointments`,
    body: undefined,
    cert: readFileSync(join(dir, `${as}.pem`), 'utf8'),
    key: readFileSync(join(dir, `${as}-key.pem`), 'utf8'),
    date: new Date(clock.now()).toISOString(),
    apiKey,
  });

test('issue-certificate writes a key pair and registers it, at once or from --not-before on', async () => {
  await t.appoint(MPAN, 'SUP', SUP2, Date.now() - 24 * HOUR);
  const now = join(t.dataDir, 'issued-now');
  const issued = await registry(
    'issue-certificate',
    '--id',
    SUP2,
    '--out',
    now,
    '--ca-cert',
    ca.cert,
    '--ca-key',
    ca.key,
  );
  assert.equal(issued.code, 0, issued.stderr);
  const fp = fingerprintOf(new X509Certificate(readFileSync(join(now, `${SUP2}.pem`), 'utf8')));
  assert.match(issued.stdout, new RegExp(`issued and registered certificate ${fp} to ${SUP2}`));
  assert.equal(statSync(join(now, `${SUP2}-key.pem`)).mode & 0o777, 0o600, 'the key is readable by its owner only');
  assert.equal((await readAs(SUP2, now)).status, 200, 'in force at once');

  const later = join(t.dataDir, 'issued-later');
  const from = new Date(clock.now() + HOUR).toISOString();
  const ahead = await registry(
    'issue-certificate',
    '--id',
    SUP2,
    '--out',
    later,
    '--ca-cert',
    ca.cert,
    '--ca-key',
    ca.key,
    '--not-before',
    from,
  );
  assert.equal(ahead.code, 0, ahead.stderr);
  assert.match(ahead.stdout, new RegExp(`active from ${from}`));
  const early = await readAs(SUP2, later);
  assert.equal(early.status, 401, early.text);
  assert.match(early.json.messageArray[0]!.help!, /registered for use from/);
  offset += 2 * HOUR;
  assert.equal((await readAs(SUP2, later)).status, 200, 'accepted once the DIP’s clock passes --not-before');
  // Back to the wall clock: the commands below sign with it.
  offset = 0;

  const bad = await registry('issue-certificate', '--id', SUP2, '--out', later, '--not-before', 'tomorrow');
  assert.ok(failed(bad));
  assert.match(bad.stderr, /--not-before is a date-time/);
  const unknown = await registry(
    'issue-certificate',
    '--id',
    '1234567890',
    '--out',
    later,
    '--ca-cert',
    ca.cert,
    '--ca-key',
    ca.key,
  );
  assert.ok(failed(unknown));
  assert.match(unknown.stderr, /unknown participant 1234567890/);
});

test('registry deactivate and revoke refuse a certificate and an API key; the operator lists them so', async () => {
  const dir = join(t.dataDir, 'issued-now');
  const fp = fingerprintOf(new X509Certificate(readFileSync(join(dir, `${SUP2}.pem`), 'utf8')));
  const off = await registry('deactivate', '--certificate', fp);
  assert.equal(off.code, 0, off.stderr);
  const refused = await readAs(SUP2, dir);
  assert.equal(refused.status, 401);
  assert.match(refused.json.messageArray[0]!.help!, /was deactivated on/);

  const keyHash = hashApiKey(t.apiKeys[SUP2]!);
  assert.equal((await registry('revoke', '--api-key', keyHash)).code, 0);
  const later = join(t.dataDir, 'issued-later');
  const withKey = await readAs(SUP2, later, t.apiKeys[SUP2]!);
  assert.equal(withKey.status, 401);
  assert.match(withKey.json.messageArray[0]!.help!, /X-API-Key was revoked on/);
  const neither = await registry('revoke');
  assert.ok(failed(neither));
  assert.match(neither.stderr, /name one of --certificate or --api-key/);
  const missing = await registry('revoke', '--certificate', 'ab'.repeat(32));
  assert.ok(failed(missing));
  assert.match(missing.stderr, /no certificate with fingerprint/);

  const listed = await admin(OPERATOR, 'certificates', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  const states = JSON.parse(listed.stdout) as {
    certificates: { fingerprint: string; state: string }[];
    apiKeys: { keyHash: string; state: string }[];
  };
  assert.equal(states.certificates.find((c) => c.fingerprint === fp)?.state, 'deactivated');
  assert.equal(states.apiKeys.find((k) => k.keyHash === keyHash)?.state, 'revoked');
});

test('an operator lists participants, certificates expiring within 30 days, and who serves an MPAN at a time', async () => {
  const participants = await admin(OPERATOR, 'participants');
  assert.equal(participants.code, 0, participants.stderr);
  assert.match(participants.stdout, /^1000000002 {2}SUP .* assigns SUP→1900000001/m);
  assert.match(participants.stdout, /^1900000001 {2}DCP .* acts for 1000000002:SUP 1300000002:MSA/m);

  const expiring = await admin(OPERATOR, 'certificates', '--expiring', '30d');
  assert.equal(expiring.code, 0, expiring.stderr);
  const expiredFp = fingerprintOf(new X509Certificate(t.pki.expired.certificatePem));
  assert.match(expiring.stdout, new RegExp(`^certificate ${expiredFp.slice(0, 16)}… {2}${SUP} {2}expired`, 'm'));
  assert.doesNotMatch(expiring.stdout, /api key/, 'API keys do not expire');
  assert.equal(expiring.stdout.trim().split('\n').length, 1, 'only the expired certificate ends within 30 days');
  const badDays = await admin(OPERATOR, 'certificates', '--expiring', 'soon');
  assert.ok(failed(badDays));
  assert.match(badDays.stderr, /--expiring takes days/);

  await t.appoint(MPAN, 'SUP', SUP, Date.now() - 48 * HOUR);
  await t.dip.store.applyMpanChanges([
    { mpan: MPAN, service: 'SUP', action: 'appoint', participantId: SUP2, at: Date.now() - 24 * HOUR, sourceSeq: null },
  ]);
  const then = new Date(Date.now() - 36 * HOUR).toISOString();
  const mpan = await admin(OPERATOR, 'mpan', MPAN, '--at', then);
  assert.equal(mpan.code, 0, mpan.stderr);
  assert.match(mpan.stdout, new RegExp(`^at ${then.replace(/\./g, '\\.')}:`, 'm'));
  assert.match(mpan.stdout, new RegExp(`^ {2}SUP {3}${SUP} {2}from .* by import$`, 'm'), mpan.stdout);
  assert.match(mpan.stdout, /^ {2}LDSO {2}\(nobody\)$/m);
  assert.match(mpan.stdout, /^history:\n {2}SUP {3}1000000001 .*\n {2}SUP {3}1000000002 /m);

  const refused = await admin(SUP, 'mpan', MPAN);
  assert.ok(failed(refused));
  assert.match(refused.stderr, /HTTP 403: MSG1000 .* not an operator of this DIP/);
});
