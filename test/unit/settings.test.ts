import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command, Option } from 'commander';
import { packageRoot } from '../../src/catalogue/load.js';
import { registerServe } from '../../src/cli/serve.js';
import { FLAG_ENV, loadConfig, type Config } from '../../src/config/config.js';
import { helpOf, settingsTable, withSettingsTable } from '../../src/config/settings-doc.js';
import { SETTINGS, type Setting, type SettingKey } from '../../src/config/settings.js';

const settings = Object.entries(SETTINGS) as [SettingKey, Setting][];

test("README.md's configuration table is the one the settings make", () => {
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  assert.equal(
    readme,
    withSettingsTable(readme),
    "README.md's configuration table differs from src/config/settings.ts: run npm run docs:config",
  );
  const rows = settingsTable()
    .split('\n')
    .filter((l) => l.startsWith('| `--'));
  assert.equal(rows.length, settings.length);
  assert.ok(rows.includes('| `--no-tls` | `OPENDIP_TLS=false` | TLS on | serve plain HTTP instead of HTTPS |'));
  assert.ok(rows.some((r) => r.startsWith('| `--registry-refresh-ms` | `OPENDIP_REGISTRY_REFRESH_MS` | `5000` |')));
});

test('each setting has its own flag, variable and field, and commander hands its value over under its key', () => {
  for (const [key, s] of settings) {
    assert.equal(new Option(s.flag).attributeName(), key, s.flag);
    assert.match(s.env, /^OPENDIP_[A-Z_]+$/, s.env);
    assert.equal(FLAG_ENV[key], s.env);
  }
  for (const part of ['flag', 'env', 'into'] as const) {
    const values = settings.map(([, s]) => s[part]);
    assert.equal(new Set(values).size, values.length, `every ${part} is different`);
  }
});

test('the default shown is the default used: giving it changes nothing', () => {
  const defaults = loadConfig({}, {});
  for (const [key, s] of settings) {
    if (s.default === undefined) continue;
    assert.deepEqual(loadConfig({ [key]: s.default }, {}), defaults, `${s.flag} ${s.default}`);
    assert.deepEqual(loadConfig({}, { [s.env]: s.default }), defaults, `${s.env}=${s.default}`);
  }
});

test('serve --help says of each setting what it means, its variable and its default', () => {
  assert.equal(helpOf(SETTINGS.host), 'interface to listen on [OPENDIP_HOST] (default 127.0.0.1)');
  assert.equal(helpOf(SETTINGS.port), 'port to listen on [OPENDIP_PORT] (default 8443 with TLS, 8080 without)');
  assert.equal(helpOf(SETTINGS.tlsCert), 'TLS server certificate (PEM) [OPENDIP_TLS_CERT] (default: dev PKI)');
  assert.equal(helpOf(SETTINGS.tls), 'serve plain HTTP instead of HTTPS [OPENDIP_TLS=false]');
  assert.equal(helpOf(SETTINGS.requireApiKey), 'refuse requests without X-API-Key [OPENDIP_REQUIRE_API_KEY]');
  assert.match(helpOf(SETTINGS.channelRetention), /e\.g\. IF-021=365,IF-013=400 \[OPENDIP_CHANNEL_RETENTION\]$/);

  const program = new Command('opendip');
  registerServe(program, { version: '0', binPath: 'opendip', start: () => Promise.reject(new Error('not started')) });
  const serve = program.commands.find((c) => c.name() === 'serve')!;
  assert.deepEqual(
    serve.options.map((o) => [o.flags, o.description]),
    settings.map(([, s]) => [s.flag, helpOf(s)]),
  );
});

/** The Config `opendip serve ARGS` would start with, from the environment as it is now. */
async function servedConfig(args: string[]): Promise<Readonly<Config>> {
  const started: Readonly<Config>[] = [];
  const program = new Command('opendip').exitOverride();
  registerServe(program, {
    version: '0',
    binPath: 'opendip',
    start: (config) => {
      started.push(config);
      return Promise.reject(new Error('not started'));
    },
  });
  const signals = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  try {
    await assert.rejects(program.parseAsync(['serve', ...args], { from: 'user' }), /not started/);
  } finally {
    // serve listens for signals before it starts; they must not outlive the test.
    for (const [signal, before] of Object.entries(signals))
      for (const l of process.listeners(signal as NodeJS.Signals)) if (!before.includes(l)) process.off(signal, l);
  }
  return started[0]!;
}

test('serve hands a switch turned off by its variable through, unless the flag says otherwise', async () => {
  const names = ['OPENDIP_DELIVERY_THREAD', 'OPENDIP_TLS', 'OPENDIP_DEMO'];
  const saved = names.map((n) => process.env[n]);
  const switches = (c: Readonly<Config>) => [c.delivery.thread, c.tls.enabled, c.demo];
  try {
    for (const n of names) process.env[n] = 'false';
    assert.deepEqual(switches(await servedConfig([])), [false, false, false]);
    for (const n of names) delete process.env[n];
    assert.deepEqual(switches(await servedConfig([])), [true, true, true]);
    assert.deepEqual(switches(await servedConfig(['--no-delivery-thread', '--no-demo'])), [false, true, false]);
  } finally {
    names.forEach((n, i) => (saved[i] === undefined ? delete process.env[n] : (process.env[n] = saved[i])));
  }
});
