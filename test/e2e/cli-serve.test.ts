/**
 * `opendip serve` started otherwise than with the defaults (those are test/e2e/cli.test.ts): on a data
 * directory whose path has a space, over a demo market an earlier version made, and with settings it must
 * refuse; and `serve --help`, which documents every setting.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FLAG_ENV } from '../../src/config/config.js';
import { seedDemoPki } from './demo-pki.js';
import { failed, removeDir, runCli, runCommand, startServer, tempDir, type ServerProcess } from './support.js';

describe('a DIP whose data directory has a space in its path', () => {
  const dataDir = join(tempDir('cli'), 'My Projects', 'data');
  let server: ServerProcess;
  before(async () => {
    await seedDemoPki(dataDir);
    server = await startServer(['--data-dir', dataDir, '--port', '0', '--log-level', 'warn']);
  });
  after(async () => {
    await server?.stop();
    removeDir(dirname(dirname(dataDir)));
  });

  test("the banner's send command still works when pasted into a shell", async () => {
    const line = /^\s*(node \S.* send .+)$/m.exec(server.banner);
    assert.ok(line, `a send command in the banner:\n${server.banner}`);
    const r = await runCommand(['sh', '-c', line[1]!.trim()]);
    assert.equal(r.code, 0, `${line[1]}\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^HTTP 201: 10 of 10 message\(s\) accepted$/m);
  });
});

describe('a demo market an earlier version made, about an MPAN whose check digit is wrong', () => {
  const dataDir = tempDir('cli-old');
  after(() => removeDir(dataDir));

  test('its samples are written again on the next start, and the banner’s send command is accepted', async () => {
    await seedDemoPki(dataDir);
    const first = await startServer(['--data-dir', dataDir, '--port', '0', '--no-tls', '--log-level', 'warn']);
    await first.stop();
    const sample = join(dataDir, 'demo', 'samples', 'IF-021.json');
    writeFileSync(sample, readFileSync(sample, 'utf8').replaceAll('1900000000013', '1900000000015'));
    const again = await startServer(['--data-dir', dataDir, '--port', '0', '--no-tls', '--log-level', 'warn']);
    try {
      assert.doesNotMatch(readFileSync(sample, 'utf8'), /1900000000015/);
      const line = /^\s*(node \S+ send .+)$/m.exec(again.banner)!;
      const r = await runCommand(line[1]!.trim().split(/\s+/));
      assert.match(r.stdout, /^HTTP 201: 10 of 10 message\(s\) accepted$/m, r.stdout + r.stderr);
    } finally {
      await again.stop();
    }
  });
});

describe('serve settings', () => {
  test('serve --help documents every option with the OPENDIP_* variable it can come from', async () => {
    const r = await runCli(['serve', '--help']);
    assert.equal(r.code, 0);
    // Commander wraps long descriptions; join each option's lines back into one entry.
    const entries = r.stdout.split(/\n(?=\s{2}-)/).map((e) => e.replace(/\s+/g, ' ').trim());
    const documented: [string, keyof typeof FLAG_ENV][] = [
      ['--port', 'port'],
      ['--host', 'host'],
      ['--data-dir', 'dataDir'],
      ['--environment', 'environment'],
      ['--api-version', 'apiVersion'],
      ['--public-url', 'publicUrl'],
      ['--no-tls', 'tls'],
      ['--tls-cert', 'tlsCert'],
      ['--tls-key', 'tlsKey'],
      ['--mtls', 'mtls'],
      ['--trusted-ca', 'trustedCa'],
    ];
    for (const [flag, key] of documented) {
      const entry = entries.find((e) => e.startsWith(`${flag} `));
      assert.ok(entry, `${flag} is documented`);
      assert.ok(entry.includes(FLAG_ENV[key]), `${flag} names ${FLAG_ENV[key]}: ${entry}`);
    }
    assert.match(
      entries.find((e) => e.startsWith('--environment '))!,
      /PRD, SITB, SIT, UIT or DEV/,
    );
    assert.match(
      entries.find((e) => e.startsWith('--mtls '))!,
      /off, optional or require/,
    );
    for (const variable of Object.values(FLAG_ENV)) assert.ok(r.stdout.includes(variable), `${variable} is documented`);
  });

  test('an invalid setting, as a flag or as its variable, stops serve with the allowed values', async () => {
    const dataDir = tempDir('settings');
    try {
      const base = ['serve', '--data-dir', dataDir, '--port', '0'];
      const [flag, variable, mtls, port] = await Promise.all([
        runCli([...base, '--environment', 'PROD']),
        runCli(base, { env: { OPENDIP_ENVIRONMENT: 'PROD' } }),
        runCli([...base, '--mtls', 'sometimes']),
        runCli(['serve', '--data-dir', dataDir, '--port', '70000']),
      ]);
      for (const r of [flag, variable]) {
        assert.ok(failed(r), `exit ${r.code ?? r.signal}`);
        assert.match(r.stderr, /environment must be one of PRD, SITB, SIT, UIT, DEV, not 'PROD'/);
      }
      assert.ok(failed(mtls), `exit ${mtls.code ?? mtls.signal}`);
      assert.match(mtls.stderr, /mtls must be off, optional or require, not 'sometimes'/);
      assert.ok(failed(port), `exit ${port.code ?? port.signal}`);
      assert.match(port.stderr, /port must be a number from 0 to 65535, not '70000'/);
      for (const r of [flag, variable, mtls, port]) assert.doesNotMatch(r.stdout, /^API /m, 'nothing was served');
    } finally {
      removeDir(dataDir);
    }
  });
});
