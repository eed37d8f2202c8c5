/**
 * The one reader of process.env. Every setting has a flag, an OPENDIP_* variable and a default; a flag
 * wins over the variable, which wins over the default. The settings are those of ./settings.ts; the
 * result is frozen.
 */
import type { EnvironmentTag } from '../domain/model.js';
import type { Retention } from '../domain/retention.js';
import type { MtlsMode } from '../domain/tls.js';
import type { Raw } from './parse.js';
import {
  isSwitch,
  SETTINGS,
  type ConfigPath,
  type ProcessRole,
  type Read,
  type Setting,
  type SettingKey,
  type ValueAt,
} from './settings.js';

export { ConfigError } from './parse.js';
export { PROCESS_ROLES, type ProcessRole } from './settings.js';

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
  /** How often the participant registry is read again, for changes made by other processes. */
  registryRefreshMs: number;
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

/** Option values as the CLI hands them over (strings and booleans from flags). */
export type ConfigFlags = Partial<Record<SettingKey, string | boolean | string[] | undefined>>;

/** Flag name → environment variable. */
export const FLAG_ENV = Object.fromEntries(Object.entries(SETTINGS).map(([key, s]) => [key, s.env])) as {
  readonly [K in SettingKey]: string;
};

const entries = Object.entries(SETTINGS) as [SettingKey, Setting][];

/** Nested groups (tls, delivery, retention and its channels) are frozen too; lists are left as they are. */
function freeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o))
    if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) freeze(v as object);
  return Object.freeze(o);
}

export function loadConfig(
  flags: ConfigFlags = {},
  env: Record<string, string | undefined> = process.env,
): Readonly<Config> {
  const given = (key: SettingKey, s: Setting): Raw | undefined => {
    const flag = flags[key];
    const v = flag !== undefined ? (Array.isArray(flag) ? flag.join(',') : flag) : env[s.env] || undefined;
    // A value-taking setting handed a bare boolean has not been given a value.
    return typeof v === 'boolean' && !isSwitch(s) ? undefined : v;
  };
  const byPath = new Map(entries.map(([key, s]) => [s.into, { key, s }]));
  const values = new Map<ConfigPath, unknown>();
  // Settings that depend on others (the port on TLS, the database on the data directory) read them here.
  const read: Read = (path) => {
    if (!values.has(path)) {
      const { key, s } = byPath.get(path)!;
      values.set(path, s.parse(given(key, s) ?? s.default, read));
    }
    return values.get(path) as ValueAt<typeof path>;
  };
  const config: Record<string, unknown> = {};
  for (const [, s] of entries) {
    const [field, inGroup] = s.into.split('.') as [string, string | undefined];
    if (inGroup === undefined) config[field] = read(s.into);
    else ((config[field] ??= {}) as Record<string, unknown>)[inGroup] = read(s.into);
  }
  return freeze(config) as unknown as Readonly<Config>;
}
