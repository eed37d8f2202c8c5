/**
 * Every setting of `opendip serve`, once: its flag, its variable, its default, what it means, how its
 * value is read and where it lands in Config. The config loader, `serve --help` and the README's
 * configuration table are all made from this table, so they cannot disagree.
 */
import { resolve } from 'node:path';
import { ENVIRONMENT_TAGS } from '../domain/model.js';
import { MTLS_MODES, type MtlsMode } from '../domain/tls.js';
import { LOG_FORMATS, PROCESS_ROLES } from './types.js';
import { bool, channelRetention, choices, closedVersions, ConfigError, list, number, oneOf } from './parse.js';
import { MB, optional, present, setting, text, type ConfigPath, type Setting } from './setting.js';

export type { ConfigPath, Read, Setting, ValueAt } from './setting.js';

export const SETTINGS = {
  host: setting({
    flag: '--host <host>',
    env: 'OPENDIP_HOST',
    default: '127.0.0.1',
    meaning: 'interface to listen on',
    into: 'host',
    parse: text,
  }),
  port: setting({
    flag: '--port <port>',
    env: 'OPENDIP_PORT',
    shown: '`8443` with TLS, `8080` without',
    meaning: 'port to listen on',
    into: 'port',
    parse: (v, read) => number(v ?? (read('tls.enabled') ? '8443' : '8080'), 'port', 0, 65535),
  }),
  dataDir: setting({
    flag: '--data-dir <dir>',
    env: 'OPENDIP_DATA_DIR',
    default: './data',
    meaning: 'where the embedded store, dev PKI and demo files live',
    into: 'dataDir',
    parse: (v) => resolve(text(v)),
  }),
  database: setting({
    flag: '--database <url>',
    env: 'OPENDIP_DATABASE_URL',
    shown: '`sqlite:<data-dir>/opendip.db`',
    meaning: 'the store: `sqlite:<file>` or `postgres://user@host:5432/db`',
    into: 'databaseUrl',
    parse: (v, read) => {
      const url = optional(v) ?? `sqlite:${resolve(read('dataDir'), 'opendip.db')}`;
      if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(url))
        throw new ConfigError(`database must be sqlite:<file> or postgres://…, not '${url}'`);
      return url;
    },
  }),
  role: setting({
    flag: '--role <role>',
    env: 'OPENDIP_ROLE',
    default: 'all',
    meaning:
      '`all`, `api` (HTTP only) or `worker` (delivery, status relay, housekeeping); `api` and `worker` need PostgreSQL',
    into: 'role',
    parse: (v, read) => {
      const role = oneOf(text(v), 'role', PROCESS_ROLES);
      if (role !== 'all' && read('databaseUrl').startsWith('sqlite:')) {
        throw new ConfigError(
          `role ${role} shares a PostgreSQL database with other processes; the embedded SQLite store runs as role all`,
        );
      }
      return role;
    },
  }),
  retentionDays: setting({
    flag: '--retention-days <days>',
    env: 'OPENDIP_RETENTION_DAYS',
    default: '730',
    meaning: 'how long messages and their journal are kept, in days',
    into: 'retention.defaultMs',
    parse: (v) => number(text(v), 'retention in days', 1, 36_500) * 86_400_000,
  }),
  closedSchemaVersions: setting({
    flag: '--closed-schema-versions <list>',
    env: 'OPENDIP_CLOSED_SCHEMA_VERSIONS',
    meaning:
      'schema versions no longer accepted on ingress, e.g. `IF-021=011` after an upgrade (seed §8.5.2: refused as a schema failure); what was archived in them is still delivered and replayed as sent',
    into: 'closedSchemaVersions',
    parse: (v) => closedVersions(text(v)),
  }),
  channelRetention: setting({
    flag: '--channel-retention <list>',
    env: 'OPENDIP_CHANNEL_RETENTION',
    meaning: 'channels kept for another time, in days, e.g. `IF-021=365,IF-013=400`',
    into: 'retention.byChannel',
    parse: (v) => channelRetention(text(v)),
  }),
  housekeepingInterval: setting({
    flag: '--housekeeping-interval <seconds>',
    env: 'OPENDIP_HOUSEKEEPING_INTERVAL',
    default: '60',
    meaning:
      'how often, in seconds, the elected node rescues leases, prepares partitions and purges what is past its retention',
    into: 'housekeepingIntervalMs',
    parse: (v) => number(text(v), 'housekeeping interval in seconds', 1, 86_400) * 1000,
  }),
  registryRefreshMs: setting({
    flag: '--registry-refresh-ms <ms>',
    env: 'OPENDIP_REGISTRY_REFRESH_MS',
    default: '5000',
    meaning:
      'how often, in milliseconds, the participant registry is read again, so changes made by `opendip registry` or another node reach this process',
    into: 'registryRefreshMs',
    parse: (v) => number(text(v), 'registry refresh interval in ms', 100, 3_600_000),
  }),
  pauseRetryAfter: setting({
    flag: '--pause-retry-after <seconds>',
    env: 'OPENDIP_PAUSE_RETRY_AFTER',
    default: '300',
    meaning: 'the `Retry-After` of a send refused `503` while ingress is paused, unless the pause gave its own',
    into: 'pauseRetryAfterSeconds',
    parse: (v) => number(text(v), 'pause Retry-After in seconds', 1, 86_400),
  }),
  pauseRefreshMs: setting({
    flag: '--pause-refresh-ms <ms>',
    env: 'OPENDIP_PAUSE_REFRESH_MS',
    default: '1000',
    meaning:
      'how often, in milliseconds, the pauses are read again, so a pause taken through another process reaches this one',
    into: 'pauseRefreshMs',
    parse: (v) => number(text(v), 'pause refresh interval in ms', 100, 60_000),
  }),
  environment: setting({
    flag: '--environment <tag>',
    env: 'OPENDIP_ENVIRONMENT',
    default: 'DEV',
    meaning: `environment tag this instance runs as and messages must carry: ${choices(ENVIRONMENT_TAGS)}`,
    into: 'environment',
    parse: (v) => oneOf(text(v), 'environment', ENVIRONMENT_TAGS),
  }),
  checkReports: setting({
    flag: '--check-reports',
    env: 'OPENDIP_CHECK_REPORTS',
    default: 'false',
    meaning:
      "also decode each ECS report's `compressedReport` (base64 of gzip, or of zlib as Elexon's example has it) and validate the report against its `REP-xxx-CustomBlock` schema, refusing `MSG1001` with the path of the problem: for test environments",
    into: 'checkReports',
    parse: (v) => bool(present(v), 'check reports'),
  }),
  apiVersion: setting({
    flag: '--api-version <segment>',
    env: 'OPENDIP_API_VERSION',
    default: '1.1',
    meaning: 'the `{version}` path segment',
    into: 'apiVersion',
    parse: (v) => text(v).replace(/^\/+|\/+$/g, ''),
  }),
  publicUrl: setting({
    flag: '--public-url <url>',
    env: 'OPENDIP_PUBLIC_URL',
    shown: 'from the Host header',
    meaning: 'scheme://host[:port] participants call, to rebuild signed URLs behind a proxy',
    into: 'publicUrl',
    parse: (v) => {
      const url = optional(v);
      if (url !== null && !/^https?:\/\/[^/]+/.test(url))
        throw new ConfigError(`public URL must be like https://api.example.com, not '${url}'`);
      return url?.replace(/\/+$/, '') ?? null;
    },
  }),
  tls: setting({
    flag: '--no-tls',
    env: 'OPENDIP_TLS',
    default: 'true',
    shown: 'TLS on',
    meaning: 'serve plain HTTP instead of HTTPS',
    into: 'tls.enabled',
    parse: (v) => bool(present(v), 'tls'),
  }),
  tlsCert: setting({
    flag: '--tls-cert <file>',
    env: 'OPENDIP_TLS_CERT',
    shown: 'dev PKI',
    meaning: 'TLS server certificate (PEM)',
    into: 'tls.certFile',
    parse: optional,
  }),
  tlsKey: setting({
    flag: '--tls-key <file>',
    env: 'OPENDIP_TLS_KEY',
    shown: 'dev PKI',
    meaning: 'TLS server key (PEM)',
    into: 'tls.keyFile',
    parse: optional,
  }),
  tlsClientCa: setting({
    flag: '--tls-client-ca <file>',
    env: 'OPENDIP_TLS_CLIENT_CA',
    shown: 'the trusted CA',
    meaning: 'CAs accepted for mTLS client certificates',
    into: 'tls.clientCaFile',
    parse: optional,
  }),
  mtls: setting({
    flag: '--mtls <mode>',
    env: 'OPENDIP_MTLS',
    default: 'optional',
    meaning: `client certificates: ${choices(MTLS_MODES)} (an optional one is checked when presented; without TLS, off)`,
    into: 'tls.mtls',
    parse: (v, read) => {
      const mode = text(v);
      if (!(MTLS_MODES as readonly string[]).includes(mode))
        throw new ConfigError(`mtls must be off, optional or require, not '${mode}'`);
      return read('tls.enabled') ? (mode as MtlsMode) : 'off';
    },
  }),
  trustedCa: setting({
    flag: '--trusted-ca <file>',
    env: 'OPENDIP_TRUSTED_CA',
    shown: 'dev PKI CA',
    meaning: "CA bundle issuing participants' signing certificates",
    into: 'trustedCaFile',
    parse: optional,
  }),
  requireApiKey: setting({
    flag: '--require-api-key',
    env: 'OPENDIP_REQUIRE_API_KEY',
    default: 'false',
    shown: 'off',
    meaning: 'refuse requests without `X-API-Key`',
    into: 'requireApiKey',
    parse: (v) => bool(present(v), 'require-api-key'),
  }),
  signatureSkew: setting({
    flag: '--signature-skew <seconds>',
    env: 'OPENDIP_SIGNATURE_SKEW',
    default: '300',
    meaning: 'seconds of clock difference allowed for `X-DIP-Signature-Date` and `senderTimestamp`',
    into: 'signatureMaxSkewSeconds',
    parse: (v) => number(text(v), 'signature skew', 1, 86_400),
  }),
  maxBodyMb: setting({
    flag: '--max-body-mb <mb>',
    env: 'OPENDIP_MAX_BODY_MB',
    default: '512',
    meaning: 'largest request body accepted, in MiB (a 50,000-message IF-021 batch is about 210 MiB)',
    into: 'maxBodyBytes',
    parse: (v) => Math.round(number(text(v), 'max body MB', 1, 4096) * MB),
  }),
  maxInflightMb: setting({
    flag: '--max-inflight-mb <mb>',
    env: 'OPENDIP_MAX_INFLIGHT_MB',
    default: '1024',
    meaning:
      'most request-body MiB read at once across all requests, never less than `--max-body-mb`; beyond it, 429 with Retry-After',
    into: 'maxInflightBytes',
    parse: (v, read) => Math.max(read('maxBodyBytes'), Math.round(number(text(v), 'max in-flight MB', 1, 65536) * MB)),
  }),
  maxMessages: setting({
    flag: '--max-messages <n>',
    env: 'OPENDIP_MAX_MESSAGES',
    default: '50000',
    meaning: 'most messages in one request; beyond it, 413',
    into: 'maxMessages',
    parse: (v) => number(text(v), 'max messages', 1, 1_000_000),
  }),
  openapi: setting({
    flag: '--openapi <files>',
    env: 'OPENDIP_OPENAPI',
    meaning: 'newer published OpenAPI documents, comma-separated, applied over the bundled 2.1.0',
    into: 'openapiFiles',
    parse: (v) => list(text(v)),
  }),
  dipId: setting({
    flag: '--dip-id <id>',
    env: 'OPENDIP_DIP_ID',
    default: '0000000000',
    meaning: "the DIP's own 10-character participant id",
    into: 'dipId',
    parse: (v) => {
      if (text(v).length !== 10) throw new ConfigError('the DIP id must be exactly 10 characters');
      return text(v);
    },
  }),
  dipCert: setting({
    flag: '--dip-cert <file>',
    env: 'OPENDIP_DIP_CERT',
    shown: 'dev PKI',
    meaning: "the DIP's own certificate: it signs webhook calls and is their mTLS client certificate",
    into: 'dipCertFile',
    parse: optional,
  }),
  dipKey: setting({
    flag: '--dip-key <file>',
    env: 'OPENDIP_DIP_KEY',
    shown: 'dev PKI',
    meaning: 'the key of `--dip-cert`',
    into: 'dipKeyFile',
    parse: optional,
  }),
  webhookCa: setting({
    flag: '--webhook-ca <file>',
    env: 'OPENDIP_WEBHOOK_CA',
    shown: 'dev PKI CA',
    meaning: "CAs trusted for participants' webhook servers, beyond the public roots",
    into: 'delivery.webhookCaFile',
    parse: optional,
  }),
  webhookTimeout: setting({
    flag: '--webhook-timeout <seconds>',
    env: 'OPENDIP_WEBHOOK_TIMEOUT',
    default: '30',
    meaning: 'seconds a webhook may take to answer',
    into: 'delivery.timeoutMs',
    parse: (v) => number(text(v), 'webhook timeout', 1, 3600) * 1000,
  }),
  batchLingerMs: setting({
    flag: '--batch-linger-ms <ms>',
    env: 'OPENDIP_BATCH_LINGER_MS',
    default: '50',
    meaning: 'milliseconds a lone message may wait for others to share its webhook call',
    into: 'delivery.lingerMs',
    parse: (v) => number(text(v), 'batch linger', 0, 60_000),
  }),
  deliveryConcurrency: setting({
    flag: '--delivery-concurrency <n>',
    env: 'OPENDIP_DELIVERY_CONCURRENCY',
    default: '16',
    meaning: 'webhook endpoints served at once',
    into: 'delivery.concurrency',
    parse: (v) => number(text(v), 'delivery concurrency', 1, 1024),
  }),
  deliveryLease: setting({
    flag: '--delivery-lease <seconds>',
    env: 'OPENDIP_DELIVERY_LEASE',
    default: '20',
    meaning:
      "seconds an endpoint's lease lasts unless renewed (renewed every quarter of it while a call is in flight); a dead worker's endpoints are taken over after it",
    into: 'delivery.leaseMs',
    // Leases are renewed while a call is in flight, so they need not outlast the webhook timeout: a short one
    // lets other workers take over a dead worker's endpoints soon after its last renewal.
    parse: (v) => number(text(v), 'delivery lease in seconds', 2, 3_600) * 1000,
  }),
  deliveryThread: setting({
    flag: '--no-delivery-thread',
    env: 'OPENDIP_DELIVERY_THREAD',
    default: 'true',
    shown: 'own thread',
    meaning: 'deliver on the API thread instead of a thread of its own',
    into: 'delivery.thread',
    parse: (v) => bool(present(v), 'delivery thread'),
  }),
  retryHours: setting({
    flag: '--retry-hours <hours>',
    env: 'OPENDIP_RETRY_HOURS',
    default: '72',
    meaning: 'how long failed deliveries are retried before the dead-letter queue, in hours',
    into: 'delivery.retryPeriodMs',
    parse: (v) => number(text(v), 'retry period in hours', 0.001, 24 * 365) * 3_600_000,
  }),
  waitingNoticeMinutes: setting({
    flag: '--waiting-notice-minutes <minutes>',
    env: 'OPENDIP_WAITING_NOTICE_MINUTES',
    default: '1440',
    meaning:
      'how long a copy waits for a webhook its recipient has not configured before its sender is told (once, `MSG1000`), in minutes; 0: never',
    into: 'waitingNoticeMs',
    parse: (v) => number(text(v), 'waiting notice in minutes', 0, 525_600) * 60_000,
  }),
  metricsPort: setting({
    flag: '--metrics-port <port>',
    env: 'OPENDIP_METRICS_PORT',
    shown: 'none',
    meaning:
      'also serve `/metrics` and `/health/*` (and nothing else) on this port of `--host`; a `--role worker` process has no other port, so give it one to scrape it',
    into: 'metricsPort',
    parse: (v) => (optional(v) === null ? null : number(text(v), 'metrics port', 0, 65535)),
  }),
  readyMaxOverdue: setting({
    flag: '--ready-max-overdue <seconds>',
    env: 'OPENDIP_READY_MAX_OVERDUE',
    default: '0',
    shown: '`0` (not checked)',
    meaning:
      '`/health/ready` answers 503 on a process that delivers when the most overdue endpoint has waited longer than this, in seconds',
    into: 'readyMaxOverdueMs',
    parse: (v) => number(text(v), 'ready max overdue in seconds', 0, 86_400 * 30) * 1000,
  }),
  replayPageSize: setting({
    flag: '--replay-page-size <n>',
    env: 'OPENDIP_REPLAY_PAGE_SIZE',
    default: '50000',
    meaning: 'most messages in one replay answer; more come with `206` and `X-Continuation-Token`',
    into: 'replayPageSize',
    parse: (v) => number(text(v), 'replay page size', 1, 50_000),
  }),
  demo: setting({
    flag: '--no-demo',
    env: 'OPENDIP_DEMO',
    default: 'true',
    shown: 'demo on',
    meaning: 'do not create the demo market on first start',
    into: 'demo',
    parse: (v) => bool(present(v), 'demo'),
  }),
  logLevel: setting({
    flag: '--log-level <level>',
    env: 'OPENDIP_LOG_LEVEL',
    default: 'info',
    meaning: 'pino log level; one line per API request and per delivery attempt',
    into: 'logLevel',
    parse: text,
  }),
  logFormat: setting({
    flag: '--log-format <format>',
    env: 'OPENDIP_LOG_FORMAT',
    default: 'auto',
    meaning:
      'how log lines are written: `auto` (readable on a terminal, JSON lines otherwise: a pipe, a file, a collector), `json` or `pretty`',
    into: 'logFormat',
    parse: (v) => oneOf(text(v), 'log-format', LOG_FORMATS),
  }),
};

export type SettingKey = keyof typeof SETTINGS;

type Unset = Exclude<ConfigPath, (typeof SETTINGS)[SettingKey]['into']>;
/** Does not compile, and names the field, while a field of Config has no setting. */
const everyFieldHasASetting: [Unset] extends [never] ? true : Unset = true;
void everyFieldHasASetting;

/** A switch takes no value: `--require-api-key`, `--no-tls`. */
export const isSwitch = (s: Setting): boolean => !/[<[]/.test(s.flag);
/** `--no-x` turns off what is on unless told otherwise, as `OPENDIP_X=false` does. */
export const isNegated = (s: Setting): boolean => s.flag.startsWith('--no-');
