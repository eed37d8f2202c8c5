/**
 * `opendip registry` beside a running DIP: an operator registers a participant, its certificate, an API key
 * and a DCP grant, and the running DIP accepts that participant's messages without a restart.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { codes, startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { failed, runCli } from './support.js';

let t: TestDip;
before(async () => {
  // Read again often, so that what the CLI changes shows soon; that it is read again at all is the point.
  t = await startTestDip({ market: false, flags: { registryRefreshMs: '200' } });
});
after(async () => t.close());

const registry = (...args: string[]) => runCli(['registry', ...args, '--data-dir', t.dataDir]);

/** The DIP reads its registry again every interval; poll until the change shows, with a generous bound. */
async function eventually(send: () => Promise<Reply>, status: number): Promise<Reply> {
  let last = await send();
  for (let i = 0; i < 600 && last.status !== status; i++) {
    await sleep(25);
    last = await send();
  }
  return last;
}

test('participants registered with the CLI can send to a running DIP within seconds', async () => {
  const sds = t.pki.participants['1200000001']!;
  const dcp = t.pki.participants['1900000001']!;
  const certFile = join(t.dataDir, 'sds.pem');
  const dcpCertFile = join(t.dataDir, 'dcp.pem');
  writeFileSync(certFile, sds.certificatePem);
  writeFileSync(dcpCertFile, dcp.certificatePem);
  const message = () => t.message({ channel: 'IF-021', sender: '1200000001', role: 'SDS' });

  const before = await t.send({ as: '1200000001', channel: 'IF-021', body: [message()], apiKey: null });
  assert.equal(before.status, 401, 'unknown until registered');

  for (const args of [
    ['add-participant', '--id', '1200000001', '--name', 'Smart Data Co', '--roles', 'SDS,ads'],
    ['add-certificate', '--id', '1200000001', certFile],
    ['add-participant', '--id', '1900000001', '--name', 'Connector', '--roles', 'DCP'],
    ['add-certificate', '--id', '1900000001', dcpCertFile],
    ['grant-dcp', '--dcp', '1900000001', '--participant', '1200000001', '--role', 'SDS'],
  ]) {
    const r = await registry(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  const key = await registry('issue-api-key', '--id', '1200000001');
  const apiKey = key.stdout.trim();
  assert.match(apiKey, /^[\w-]{20,}$/);

  const listed = await registry('list');
  assert.match(listed.stdout, /1200000001\s+ADS,SDS\s+Smart Data Co/);
  assert.match(listed.stdout, /1900000001\s+DCP\s+Connector\s+acts for 1200000001:SDS/);

  const own = await eventually(() => t.send({ as: '1200000001', channel: 'IF-021', body: [message()], apiKey }), 201);
  assert.equal(own.status, 201, own.text);
  const viaDcp = await t.send({
    as: '1900000001',
    channel: 'IF-021',
    apiKey: null,
    body: [t.message({ channel: 'IF-021', sender: '1200000001', role: 'SDS', dcp: '1900000001' })],
  });
  assert.equal(viaDcp.status, 201, viaDcp.text);

  const revoked = await registry('revoke-dcp', '--participant', '1200000001', '--role', 'SDS');
  assert.equal(revoked.code, 0);
  const refused = await eventually(
    () =>
      t.send({
        as: '1900000001',
        channel: 'IF-021',
        apiKey: null,
        body: [t.message({ channel: 'IF-021', sender: '1200000001', role: 'SDS', dcp: '1900000001' })],
      }),
    400,
  );
  assert.deepEqual(codes(refused), ['MSG1011']);
});

test('bad registry input is refused with a reason and a non-zero exit', async () => {
  const role = await registry('add-participant', '--id', '1300000001', '--name', 'X', '--roles', 'XYZ');
  assert.ok(failed(role));
  assert.match(role.stderr, /unknown role 'XYZ'/);
  const id = await registry('add-participant', '--id', '123', '--name', 'X', '--roles', 'SUP');
  assert.ok(failed(id));
  assert.match(id.stderr, /exactly 10 hexadecimal characters/);
  const letters = await registry('add-participant', '--id', 'SUPPLIERXY', '--name', 'X', '--roles', 'SUP');
  assert.ok(failed(letters), 'an id the SUR pattern cannot carry is refused');
  const grant = await registry('grant-dcp', '--dcp', '1200000001', '--participant', '1200000001', '--role', 'SDS');
  assert.ok(failed(grant));
  assert.match(grant.stderr, /does not hold the DCP role/);
});

test('import-mpans applies the good rows and refuses, by line, a row whose MPAN fails its check digit', async () => {
  const csv = join(t.dataDir, 'mpans.csv');
  writeFileSync(
    csv,
    [
      'mpan,service,participant,effective_from',
      '1900000000013,SUP,1000000001,2024-01-01',
      '1900000000015,SUP,1000000001,2024-01-01',
      '1900000000022,SUP,1000000001,2024-01-01',
    ].join('\n'),
  );
  const r = await registry('import-mpans', csv);
  assert.ok(failed(r), 'a refused row makes the import fail');
  assert.match(r.stdout, /3 rows read, 2 changes applied/);
  assert.match(
    r.stdout,
    /line 3: MPAN '1900000000015' is not a valid MPAN: its check digit \(the 13th digit\) should be 3/,
  );
  const served = await t.dip.store.appointments(['1900000000013', '1900000000015', '1900000000022']);
  assert.deepEqual(served.map((a) => a.mpan).sort(), ['1900000000013', '1900000000022']);
});

test('opendip send reads a single message from standard input and signs with key files given as flags', async () => {
  const dir = t.dataDir;
  const own = t.pki.participants['1200000001']!;
  writeFileSync(join(dir, 'sds-key.pem'), own.privateKeyPem);
  writeFileSync(join(dir, 'sds.pem'), own.certificatePem);
  const message = JSON.stringify(t.message({ channel: 'IF-021', sender: '1200000001', role: 'SDS' }));
  const r = await runCli(
    [
      'send',
      '--channel',
      'IF-021',
      '--url',
      `${t.origin}/1.1`,
      '--key',
      join(dir, 'sds-key.pem'),
      '--cert',
      join(dir, 'sds.pem'),
      '-',
    ],
    { input: message },
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /HTTP 201: 1 of 1 message\(s\) accepted/);
});
