/** `opendip serve`: run the DIP. */
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, loadConfig, type ConfigFlags } from '../config/config.js';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Store } from '../storage/ports.js';
import type { DemoMarketFile } from '../demo/market.js';

/** What `serve` needs of a started DIP; the process entry hands in the composition root. */
export interface StartedDip {
  store: Pick<Store, 'backend'>;
  role: Config['role'];
  baseUrl: string;
  demo: { file: string; market: DemoMarketFile; inbox: string } | null;
  close(): Promise<void>;
}

export interface ServeDeps {
  version: string;
  binPath: string;
  start(config: Readonly<Config>, options?: { logger?: Logger }): Promise<StartedDip>;
}

/** Quotes a path for a POSIX shell when it needs it, so the printed command pastes as printed. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function banner(dip: StartedDip, version: string, environment: string, binPath: string): string {
  const lines = [`OpenDIP ${version}  environment ${environment}  store ${dip.store.backend}  role ${dip.role}`];
  if (dip.role !== 'worker') lines.push(`API     ${dip.baseUrl}/dip-channel/{IF-xxx}`);
  if (dip.role !== 'api') lines.push('Worker  delivery, status relay and housekeeping');
  if (dip.demo) {
    const { file, market } = dip.demo;
    const sender = market.participants.find((p) => p.roles.includes('SDS'));
    lines.push(
      `Demo    ${market.participants.length} participants; ids, roles, API keys, certificates and keys in ${file}`,
      `        what the DIP delivers to them, as JSON lines: ${dip.demo.inbox}`,
      '',
      'Send a demo IF-021 batch, signed as the demo Smart Data Service:',
      `  node ${shellQuote(binPath)} send --participants ${shellQuote(file)} --as ${sender?.dipId ?? '<dipId>'} --channel IF-021 --restamp ${shellQuote(join(dirname(file), 'samples', 'IF-021.json'))}`,
    );
  }
  return lines.join('\n');
}

export function registerServe(program: Command, { version, binPath, start }: ServeDeps): void {
  program
    .command('serve')
    .description('run the DIP (embedded SQLite store and a demo market by default)')
    .option('--host <host>', 'interface to listen on [OPENDIP_HOST] (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on [OPENDIP_PORT] (default 8443 with TLS, 8080 without)')
    .option(
      '--data-dir <dir>',
      'where the embedded store, dev PKI and demo files live [OPENDIP_DATA_DIR] (default ./data)',
    )
    .option(
      '--database <url>',
      'sqlite:<file> or postgres://user@host/db [OPENDIP_DATABASE_URL] (default sqlite:<data-dir>/opendip.db)',
    )
    .option(
      '--role <role>',
      'all, api (HTTP only) or worker (delivery, status relay, housekeeping); api and worker need PostgreSQL [OPENDIP_ROLE] (default all)',
    )
    .option(
      '--retention-days <days>',
      'how long messages and their journal are kept [OPENDIP_RETENTION_DAYS] (default 730)',
    )
    .option(
      '--channel-retention <list>',
      'channels kept for another time, in days, e.g. IF-021=365,IF-013=400 [OPENDIP_CHANNEL_RETENTION]',
    )
    .option(
      '--housekeeping-interval <seconds>',
      'how often the elected node rescues leases, prepares partitions and purges [OPENDIP_HOUSEKEEPING_INTERVAL] (default 60)',
    )
    .option(
      '--environment <tag>',
      'environment tag this instance runs as: PRD, SITB, SIT, UIT or DEV [OPENDIP_ENVIRONMENT] (default DEV)',
    )
    .option('--api-version <segment>', 'the {version} path segment [OPENDIP_API_VERSION] (default 1.1)')
    .option(
      '--public-url <url>',
      'scheme://host[:port] participants call, to rebuild signed URLs behind a proxy [OPENDIP_PUBLIC_URL]',
    )
    .option('--no-tls', 'serve plain HTTP instead of HTTPS [OPENDIP_TLS=false]')
    .option('--tls-cert <file>', 'TLS server certificate (PEM) [OPENDIP_TLS_CERT] (default: dev PKI)')
    .option('--tls-key <file>', 'TLS server key (PEM) [OPENDIP_TLS_KEY] (default: dev PKI)')
    .option(
      '--tls-client-ca <file>',
      'CAs accepted for mTLS client certificates [OPENDIP_TLS_CLIENT_CA] (default: the trusted CA)',
    )
    .option('--mtls <mode>', 'client certificates: off, optional or require [OPENDIP_MTLS] (default optional)')
    .option(
      '--trusted-ca <file>',
      "CA bundle issuing participants' signing certificates [OPENDIP_TRUSTED_CA] (default: dev PKI CA)",
    )
    .option('--require-api-key', 'refuse requests without X-API-Key [OPENDIP_REQUIRE_API_KEY]')
    .option(
      '--signature-skew <seconds>',
      'allowed clock difference for X-DIP-Signature-Date and senderTimestamp [OPENDIP_SIGNATURE_SKEW] (default 300)',
    )
    .option(
      '--max-body-mb <mb>',
      'largest request body accepted [OPENDIP_MAX_BODY_MB] (default 512, room for 50,000 IF-021 messages)',
    )
    .option(
      '--max-inflight-mb <mb>',
      'most request-body bytes read at once across all requests; beyond it, 429 [OPENDIP_MAX_INFLIGHT_MB] (default 1024)',
    )
    .option('--max-messages <n>', 'most messages in one request; beyond it, 413 [OPENDIP_MAX_MESSAGES] (default 50000)')
    .option(
      '--openapi <files>',
      'newer published OpenAPI documents, comma-separated, applied over the bundled 2.1.0 [OPENDIP_OPENAPI]',
    )
    .option('--dip-id <id>', "the DIP's own 10-character participant id [OPENDIP_DIP_ID] (default 0000000000)")
    .option(
      '--dip-cert <file>',
      "the DIP's signing and mTLS client certificate for webhooks [OPENDIP_DIP_CERT] (default: dev PKI)",
    )
    .option('--dip-key <file>', 'the key of --dip-cert [OPENDIP_DIP_KEY] (default: dev PKI)')
    .option(
      '--webhook-ca <file>',
      "CAs trusted for participants' webhook servers, beyond the public roots [OPENDIP_WEBHOOK_CA] (default: dev PKI CA)",
    )
    .option(
      '--webhook-timeout <seconds>',
      'how long a webhook may take to answer [OPENDIP_WEBHOOK_TIMEOUT] (default 30)',
    )
    .option(
      '--batch-linger-ms <ms>',
      'how long a lone message may wait for others to share its webhook call [OPENDIP_BATCH_LINGER_MS] (default 50)',
    )
    .option(
      '--delivery-concurrency <n>',
      'webhook endpoints served at once [OPENDIP_DELIVERY_CONCURRENCY] (default 16)',
    )
    .option(
      '--delivery-lease <seconds>',
      "seconds an endpoint's lease lasts unless renewed (renewed every quarter of it while a call is in flight); a dead worker's endpoints are taken over after it [OPENDIP_DELIVERY_LEASE] (default 20)",
    )
    .option(
      '--no-delivery-thread',
      'deliver on the API thread instead of a thread of its own [OPENDIP_DELIVERY_THREAD=false]',
    )
    .option(
      '--retry-hours <hours>',
      'how long failed deliveries are retried before the dead-letter queue [OPENDIP_RETRY_HOURS] (default 72)',
    )
    .option(
      '--replay-page-size <n>',
      'most messages in one replay answer; more come with 206 and X-Continuation-Token [OPENDIP_REPLAY_PAGE_SIZE] (default 50000)',
    )
    .option('--no-demo', 'do not create the demo market on first start [OPENDIP_DEMO=false]')
    .option('--log-level <level>', 'pino log level [OPENDIP_LOG_LEVEL] (default info)')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      // commander sets negatable flags to true by default; only an explicit --no-x should override the environment.
      const flags: ConfigFlags = {
        ...opts,
        tls: opts.tls === false ? false : undefined,
        demo: opts.demo === false ? false : undefined,
      };
      let config;
      try {
        config = loadConfig(flags);
      } catch (e) {
        if (e instanceof ConfigError) program.error(`opendip serve: ${e.message}`);
        throw e;
      }
      // Signals are handled from the start: an interrupted first start must still close the store cleanly.
      let dip: StartedDip | null = null;
      let stopping = false;
      const stop = async (): Promise<void> => {
        if (stopping) return;
        stopping = true;
        if (dip) {
          await dip.close();
          process.exit(0);
        }
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
      dip = await start(config);
      if (stopping) {
        await dip.close();
        process.exit(0);
      }
      process.stdout.write(`${banner(dip, version, config.environment, binPath)}\n`);
    });
}
