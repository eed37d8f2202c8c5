import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.js';

test('defaults give the embedded DIP: DEV, HTTPS on 127.0.0.1:8443, SQLite in ./data, version 1.1', () => {
  const c = loadConfig({}, {});
  assert.equal(c.environment, 'DEV');
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8443);
  assert.equal(c.tls.enabled, true);
  assert.equal(c.tls.mtls, 'optional');
  assert.equal(c.dataDir, resolve('./data'));
  assert.equal(c.databaseUrl, `sqlite:${resolve('./data/opendip.db')}`);
  assert.equal(c.apiVersion, '1.1');
  assert.equal(c.requireApiKey, false);
  assert.ok(c.maxBodyBytes >= 50_000 * 5_000, 'a 50,000-message IF-021 batch fits');
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.tls));
});

test('a flag wins over the environment, which wins over the default', () => {
  const env = {
    OPENDIP_ENVIRONMENT: 'SIT',
    OPENDIP_PORT: '9000',
    OPENDIP_TLS: 'false',
    OPENDIP_REQUIRE_API_KEY: 'yes',
    OPENDIP_OPENAPI: 'a.json, b.json',
  };
  const fromEnv = loadConfig({}, env);
  assert.equal(fromEnv.environment, 'SIT');
  assert.equal(fromEnv.port, 9000);
  assert.equal(fromEnv.tls.enabled, false);
  assert.equal(fromEnv.tls.mtls, 'off', 'no client certificates without TLS');
  assert.equal(fromEnv.requireApiKey, true);
  assert.deepEqual(fromEnv.openapiFiles, ['a.json', 'b.json']);
  const flagged = loadConfig({ environment: 'UIT', port: '9001', apiVersion: '/2.2/' }, env);
  assert.equal(flagged.environment, 'UIT');
  assert.equal(flagged.port, 9001);
  assert.equal(flagged.apiVersion, '2.2');
  assert.equal(loadConfig({ tls: false }, {}).port, 8080);
});

test('bad settings are refused with what is allowed', () => {
  assert.throws(
    () => loadConfig({ environment: 'PROD' }, {}),
    (e: Error) => e instanceof ConfigError && /PRD, SITB, SIT, UIT, DEV/.test(e.message),
  );
  assert.throws(() => loadConfig({ port: '70000' }, {}), /port must be a number from 0 to 65535/);
  assert.throws(() => loadConfig({ mtls: 'sometimes' }, {}), /off, optional or require/);
  assert.throws(() => loadConfig({ publicUrl: 'api.example.com' }, {}), /https:\/\/api\.example\.com/);
  assert.throws(() => loadConfig({ dipId: '123' }, {}), /exactly 10 characters/);
  assert.throws(() => loadConfig({}, { OPENDIP_TLS: 'maybe' }), /true or false/);
});

test('delivery settings: defaults, variables and flags', () => {
  const d = loadConfig({}, {}).delivery;
  assert.deepEqual(
    { ...d },
    {
      webhookCaFile: null,
      timeoutMs: 30_000,
      lingerMs: 50,
      concurrency: 16,
      retryPeriodMs: 72 * 3_600_000,
      thread: true,
      leaseMs: 20_000,
    },
  );
  const env = {
    OPENDIP_WEBHOOK_TIMEOUT: '5',
    OPENDIP_BATCH_LINGER_MS: '0',
    OPENDIP_DELIVERY_CONCURRENCY: '4',
    OPENDIP_RETRY_HOURS: '0.5',
    OPENDIP_DELIVERY_THREAD: 'false',
    OPENDIP_WEBHOOK_CA: 'ca.pem',
  };
  assert.deepEqual(
    { ...loadConfig({}, env).delivery },
    {
      webhookCaFile: 'ca.pem',
      timeoutMs: 5_000,
      lingerMs: 0,
      concurrency: 4,
      retryPeriodMs: 1_800_000,
      thread: false,
      leaseMs: 20_000,
    },
  );
  assert.equal(loadConfig({ deliveryLease: '8' }, env).delivery.leaseMs, 8_000);
  assert.throws(() => loadConfig({ deliveryLease: '1' }, env), /delivery lease in seconds/);
  assert.equal(loadConfig({ deliveryThread: true }, env).delivery.thread, true);
  assert.throws(
    () => loadConfig({ deliveryConcurrency: '0' }, {}),
    /delivery concurrency must be a number from 1 to 1024/,
  );
  assert.throws(() => loadConfig({ deliveryThread: 'sometimes' }, {}), /delivery thread must be true or false/);
});

test('process roles, retention and housekeeping: defaults, variables and flags', () => {
  const d = loadConfig({}, {});
  assert.deepEqual(
    [d.role, d.retention, d.housekeepingIntervalMs],
    ['all', { defaultMs: 730 * 86_400_000, byChannel: {} }, 60_000],
  );
  const pg = {
    OPENDIP_DATABASE_URL: 'postgres://dip@db.example/dip',
    OPENDIP_ROLE: 'worker',
    OPENDIP_RETENTION_DAYS: '400',
    OPENDIP_HOUSEKEEPING_INTERVAL: '5',
  };
  const c = loadConfig({}, pg);
  assert.deepEqual(
    [c.databaseUrl, c.role, c.retention.defaultMs, c.housekeepingIntervalMs],
    ['postgres://dip@db.example/dip', 'worker', 400 * 86_400_000, 5_000],
  );
  assert.deepEqual(loadConfig({ channelRetention: 'if-021=365, IF-013=0.5' }, {}).retention.byChannel, {
    'IF-021': 365 * 86_400_000,
    'IF-013': 43_200_000,
  });
  assert.throws(
    () => loadConfig({ channelRetention: 'IF-021:365' }, {}),
    /channel retention must be like IF-021=365,IF-013=400 \(days\), not 'IF-021:365'/,
  );
  assert.equal(loadConfig({ role: 'api' }, pg).role, 'api');
  assert.throws(
    () => loadConfig({ role: 'api' }, {}),
    /role api shares a PostgreSQL database with other processes; the embedded SQLite store runs as role all/,
  );
  assert.throws(() => loadConfig({ role: 'boss' }, pg), /role must be one of all, api, worker/);
  assert.throws(() => loadConfig({ database: 'mysql://x' }, {}), /database must be sqlite:<file> or postgres:\/\/…/);
});

test('the registry refresh interval: default, variable and flag', () => {
  assert.equal(loadConfig({}, {}).registryRefreshMs, 5_000);
  assert.equal(loadConfig({}, { OPENDIP_REGISTRY_REFRESH_MS: '250' }).registryRefreshMs, 250);
  assert.equal(
    loadConfig({ registryRefreshMs: '1000' }, { OPENDIP_REGISTRY_REFRESH_MS: '250' }).registryRefreshMs,
    1_000,
  );
  assert.throws(
    () => loadConfig({ registryRefreshMs: '10' }, {}),
    /registry refresh interval in ms must be a number from 100 to 3600000, not '10'/,
  );
});
