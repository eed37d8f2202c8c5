/** What a running DIP is configured with: the frozen result of the settings (settings.ts), read by config.ts. */
import type { EnvironmentTag } from '../domain/model.js';
import type { Retention } from '../domain/retention.js';
import type { MtlsMode } from '../domain/tls.js';

export const PROCESS_ROLES = ['all', 'api', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** `sqlite:<file>` (default: <dataDir>/opendip.db) or `postgres://…`. */
  databaseUrl: string;
  environment: EnvironmentTag;
  /** `CHANNEL|schemaVersion` of the versions refused on ingress (still delivered and replayed). */
  closedSchemaVersions: string[];
  /** Decode ECS reports' compressedReport and validate the report on ingress (test environments). */
  checkReports: boolean;
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
  /** How log lines are written: JSON, readable, or readable only when standard output is a terminal. */
  logFormat: LogFormat;
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
  /** A copy waiting this long for a webhook tells its sender once; 0: never. */
  waitingNoticeMs: number;
  /** How often the participant registry is read again, for changes made by other processes. */
  registryRefreshMs: number;
  /** The Retry-After, seconds, of a send refused while ingress is paused (unless the pause gave its own). */
  pauseRetryAfterSeconds: number;
  /** How often the pauses are read again, for pauses taken through other processes. */
  pauseRefreshMs: number;
  /** Port of the listener that serves only /metrics and /health/*; null: none (the API port serves them). */
  metricsPort: number | null;
  /** /health/ready fails on a delivering process when delivery is overdue by more than this; 0: not checked. */
  readyMaxOverdueMs: number;
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
