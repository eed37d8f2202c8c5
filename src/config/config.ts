/**
 * The one reader of process.env. Every setting has a flag, an OPENDIP_* variable and a default; a flag
 * wins over the variable, which wins over the default. The result is frozen.
 */
import { resolve } from 'node:path';
import { ENVIRONMENT_TAGS, type EnvironmentTag } from '../domain/model.js';
import type { Retention } from '../domain/retention.js';
import type { MtlsMode } from '../domain/tls.js';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** `sqlite:<file>` (default: <dataDir>/opendip.db) or `postgres://…`. */
  databaseUrl: string;
  environment: EnvironmentTag;
  /** The `{version}` path segment, e.g. `1.1` in /1.1/dip-channel/IF-021. */
  apiVersion: string;
  /** Scheme, host and port participants call, used to rebuild the signed URL behind a proxy. */
  publicUrl: string | null;
  tls: {
    enabled: boolean;
    certFile: string | null;
    keyFile: string | null;
    clientCaFile: string | null;
    mtls: MtlsMode;
  };
  /** PEM bundle of CAs that issue participants' signing certificates. */
  trustedCaFile: string | null;
  requireApiKey: boolean;
  signatureMaxSkewSeconds: number;
  maxBodyBytes: number;
  /** Most bytes of request bodies being read at the same time, across all requests. */
  maxInflightBytes: number;
  /** Most messages in one send request (seed §4.4.1: 50,000). */
  maxMessages: number;
  logLevel: string;
  /** Create the demo market when the data directory is empty. */
  demo: boolean;
  /** Newer published OpenAPI documents, applied over the bundled one in order. */
  openapiFiles: string[];
  /** The DIP's own 10-character participant id, used where a response has no other sender. */
  dipId: string;
  /** The DIP's own signing (and mTLS client) certificate and key, for what it sends to webhooks. */
  dipCertFile: string | null;
  dipKeyFile: string | null;
  /**
   * What this process does: `api` serves HTTP only, `worker` delivers, relays status messages and keeps
   * house, `all` does both. Any number of each share one PostgreSQL database.
   */
  role: ProcessRole;
  /** How long messages and their journal are kept: by default, and for channels set apart. */
  retention: Retention;
  /** How often housekeeping runs on the node that leads it. */
  housekeepingIntervalMs: number;
  /** Most messages in one replay answer; more come with 206 and a continuation token. */
  replayPageSize: number;
  delivery: {
    /** CAs trusted for participants' webhook servers, beyond the public roots. */
    webhookCaFile: string | null;
    timeoutMs: number;
    lingerMs: number;
    concurrency: number;
    retryPeriodMs: number;
    /** Run delivery on its own thread (and so on a second core). */
    thread: boolean;
    /** How long a worker holds an endpoint per call: when it dies, another takes the endpoint over after this. */
    leaseMs: number;
  };
}

export const PROCESS_ROLES = ['all', 'api', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

/** Option values as the CLI hands them over (strings and booleans from flags). */
export type ConfigFlags = Partial<Record<keyof typeof FLAG_ENV, string | boolean | string[] | undefined>>;

/** Flag name → environment variable. */
export const FLAG_ENV = {
  host: 'OPENDIP_HOST',
  port: 'OPENDIP_PORT',
  dataDir: 'OPENDIP_DATA_DIR',
  database: 'OPENDIP_DATABASE_URL',
  environment: 'OPENDIP_ENVIRONMENT',
  apiVersion: 'OPENDIP_API_VERSION',
  publicUrl: 'OPENDIP_PUBLIC_URL',
  tls: 'OPENDIP_TLS',
  tlsCert: 'OPENDIP_TLS_CERT',
  tlsKey: 'OPENDIP_TLS_KEY',
  tlsClientCa: 'OPENDIP_TLS_CLIENT_CA',
  mtls: 'OPENDIP_MTLS',
  trustedCa: 'OPENDIP_TRUSTED_CA',
  requireApiKey: 'OPENDIP_REQUIRE_API_KEY',
  signatureSkew: 'OPENDIP_SIGNATURE_SKEW',
  maxBodyMb: 'OPENDIP_MAX_BODY_MB',
  maxInflightMb: 'OPENDIP_MAX_INFLIGHT_MB',
  maxMessages: 'OPENDIP_MAX_MESSAGES',
  logLevel: 'OPENDIP_LOG_LEVEL',
  demo: 'OPENDIP_DEMO',
  openapi: 'OPENDIP_OPENAPI',
  dipId: 'OPENDIP_DIP_ID',
  dipCert: 'OPENDIP_DIP_CERT',
  dipKey: 'OPENDIP_DIP_KEY',
  webhookCa: 'OPENDIP_WEBHOOK_CA',
  webhookTimeout: 'OPENDIP_WEBHOOK_TIMEOUT',
  batchLingerMs: 'OPENDIP_BATCH_LINGER_MS',
  deliveryConcurrency: 'OPENDIP_DELIVERY_CONCURRENCY',
  retryHours: 'OPENDIP_RETRY_HOURS',
  deliveryThread: 'OPENDIP_DELIVERY_THREAD',
  deliveryLease: 'OPENDIP_DELIVERY_LEASE',
  role: 'OPENDIP_ROLE',
  retentionDays: 'OPENDIP_RETENTION_DAYS',
  channelRetention: 'OPENDIP_CHANNEL_RETENTION',
  housekeepingInterval: 'OPENDIP_HOUSEKEEPING_INTERVAL',
  replayPageSize: 'OPENDIP_REPLAY_PAGE_SIZE',
} as const;

export class ConfigError extends Error {}

const bool = (v: string | boolean, name: string): boolean => {
  if (typeof v === 'boolean') return v;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(`${name} must be true or false, not '${v}'`);
};

const number = (v: string | boolean, name: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new ConfigError(`${name} must be a number from ${min} to ${max}, not '${String(v)}'`);
  return n;
};

export function loadConfig(
  flags: ConfigFlags = {},
  env: Record<string, string | undefined> = process.env,
): Readonly<Config> {
  const get = (key: keyof typeof FLAG_ENV): string | boolean | undefined => {
    const flag = flags[key];
    if (flag !== undefined) return Array.isArray(flag) ? flag.join(',') : flag;
    const fromEnv = env[FLAG_ENV[key]];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  const text = (key: keyof typeof FLAG_ENV, fallback: string): string => {
    const v = get(key);
    return v === undefined || typeof v === 'boolean' ? fallback : v;
  };
  const optional = (key: keyof typeof FLAG_ENV): string | null => {
    const v = get(key);
    return v === undefined || typeof v === 'boolean' ? null : v;
  };

  const dataDir = resolve(text('dataDir', './data'));
  const environment = text('environment', 'DEV');
  if (!(ENVIRONMENT_TAGS as readonly string[]).includes(environment)) {
    throw new ConfigError(`environment must be one of ${ENVIRONMENT_TAGS.join(', ')}, not '${environment}'`);
  }
  const tlsEnabled = bool(get('tls') ?? true, 'tls');
  const mtls = text('mtls', 'optional');
  if (mtls !== 'off' && mtls !== 'optional' && mtls !== 'require')
    throw new ConfigError(`mtls must be off, optional or require, not '${mtls}'`);
  const publicUrl = optional('publicUrl');
  if (publicUrl !== null && !/^https?:\/\/[^/]+/.test(publicUrl))
    throw new ConfigError(`public URL must be like https://api.example.com, not '${publicUrl}'`);
  const dipId = text('dipId', '0000000000');
  if (dipId.length !== 10) throw new ConfigError('the DIP id must be exactly 10 characters');
  const openapi = optional('openapi');
  const databaseUrl = text('database', `sqlite:${resolve(dataDir, 'opendip.db')}`);
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl))
    throw new ConfigError(`database must be sqlite:<file> or postgres://…, not '${databaseUrl}'`);
  const role = text('role', 'all');
  if (!(PROCESS_ROLES as readonly string[]).includes(role))
    throw new ConfigError(`role must be one of ${PROCESS_ROLES.join(', ')}, not '${role}'`);
  if (role !== 'all' && databaseUrl.startsWith('sqlite:')) {
    throw new ConfigError(
      `role ${role} shares a PostgreSQL database with other processes; the embedded SQLite store runs as role all`,
    );
  }
  const webhookTimeoutMs = number(get('webhookTimeout') ?? '30', 'webhook timeout', 1, 3600) * 1000;
  // Leases are renewed while a call is in flight, so they need not outlast the webhook timeout: a short one
  // lets other workers take over a dead worker's endpoints soon after its last renewal.
  const leaseMs = number(get('deliveryLease') ?? '20', 'delivery lease in seconds', 2, 3_600) * 1000;
  const byChannel: Record<string, number> = {};
  for (const entry of (optional('channelRetention') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^((?:IF|REP)-\d{3}[A-B]?)=(\d+(?:\.\d+)?)$/i.exec(entry);
    if (!m || Number(m[2]) <= 0)
      throw new ConfigError(`channel retention must be like IF-021=365,IF-013=400 (days), not '${entry}'`);
    byChannel[m[1]!.toUpperCase()] = Number(m[2]) * 86_400_000;
  }
  const maxBodyBytes = Math.round(number(get('maxBodyMb') ?? '512', 'max body MB', 1, 4096) * 1024 * 1024);

  return Object.freeze({
    host: text('host', '127.0.0.1'),
    port: number(get('port') ?? (tlsEnabled ? '8443' : '8080'), 'port', 0, 65535),
    dataDir,
    databaseUrl,
    environment: environment as EnvironmentTag,
    apiVersion: text('apiVersion', '1.1').replace(/^\/+|\/+$/g, ''),
    publicUrl: publicUrl?.replace(/\/+$/, '') ?? null,
    tls: Object.freeze({
      enabled: tlsEnabled,
      certFile: optional('tlsCert'),
      keyFile: optional('tlsKey'),
      clientCaFile: optional('tlsClientCa'),
      mtls: tlsEnabled ? mtls : 'off',
    }),
    trustedCaFile: optional('trustedCa'),
    requireApiKey: bool(get('requireApiKey') ?? false, 'require-api-key'),
    signatureMaxSkewSeconds: number(get('signatureSkew') ?? '300', 'signature skew', 1, 86_400),
    maxBodyBytes,
    maxInflightBytes: Math.max(
      maxBodyBytes,
      Math.round(number(get('maxInflightMb') ?? '1024', 'max in-flight MB', 1, 65536) * 1024 * 1024),
    ),
    maxMessages: number(get('maxMessages') ?? '50000', 'max messages', 1, 1_000_000),
    logLevel: text('logLevel', 'info'),
    demo: bool(get('demo') ?? true, 'demo'),
    openapiFiles:
      openapi === null
        ? []
        : openapi
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    dipId,
    dipCertFile: optional('dipCert'),
    dipKeyFile: optional('dipKey'),
    role: role as ProcessRole,
    retention: Object.freeze({
      defaultMs: number(get('retentionDays') ?? '730', 'retention in days', 1, 36_500) * 86_400_000,
      byChannel: Object.freeze(byChannel),
    }),
    housekeepingIntervalMs:
      number(get('housekeepingInterval') ?? '60', 'housekeeping interval in seconds', 1, 86_400) * 1000,
    replayPageSize: number(get('replayPageSize') ?? '50000', 'replay page size', 1, 50_000),
    delivery: Object.freeze({
      webhookCaFile: optional('webhookCa'),
      timeoutMs: webhookTimeoutMs,
      lingerMs: number(get('batchLingerMs') ?? '50', 'batch linger', 0, 60_000),
      concurrency: number(get('deliveryConcurrency') ?? '16', 'delivery concurrency', 1, 1024),
      retryPeriodMs: number(get('retryHours') ?? '72', 'retry period in hours', 0.001, 24 * 365) * 3_600_000,
      thread: bool(get('deliveryThread') ?? true, 'delivery thread'),
      leaseMs,
    }),
  });
}
