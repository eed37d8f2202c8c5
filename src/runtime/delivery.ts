/**
 * The delivery engine's wiring, written once for both places it runs: inside the API process, or on its
 * own thread (delivery-thread.ts) so that building, signing and posting webhook calls uses a second core
 * while the API thread validates and archives. Everything it is given here can cross a thread boundary.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Catalogue } from '../catalogue/catalogue.js';
import type { Config } from '../config/config.js';
import { createRunner, type Runner } from '../delivery/runner.js';
import { createSender, type Sender } from '../delivery/sender.js';
import { DEFAULT_BREAKER } from '../domain/breaker.js';
import { deadHolders, formatLeaseHolder, type LeaseHolder } from '../domain/lease.js';
import type { DeliveryObserver } from '../domain/observe.js';
import { DEFAULT_RETRY } from '../domain/retry.js';
import type { Clock } from '../domain/time.js';
import type { RegistryView } from '../registry/registry.js';
import type { Store } from '../storage/ports.js';
import { ticketUrls } from '../domain/ticket.js';

/** What the engine needs beyond the config, as file paths (resolved against the dev PKI when not configured). */
export interface DeliverySetup {
  config: Readonly<Config>;
  dipCertFile: string;
  dipKeyFile: string;
  webhookCaFiles: string[];
  /** The audit URL of a transaction is this followed by its id (D0.serviceTicketURL); null: none. */
  ticketBase: string | null;
}

/** Whether a process of this machine is running (EPERM: it is, but not ours to signal). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The DIP's webhook client: its own certificate and key, and the CAs it trusts for webhook servers. */
export function webhookSender(setup: Omit<DeliverySetup, 'ticketBase'>): Sender {
  const read = (file: string): string => readFileSync(file, 'utf8');
  return createSender({
    identity: { certificatePem: read(setup.dipCertFile), privateKeyPem: read(setup.dipKeyFile) },
    extraCas: setup.webhookCaFiles.map(read),
    timeoutMs: setup.config.delivery.timeoutMs,
  });
}

export function createDeliveryEngine(
  setup: DeliverySetup,
  deps: {
    store: Store;
    catalogue: Catalogue;
    registry: () => RegistryView;
    registryCaughtUp?: () => Promise<void>;
    clock: Clock;
    logger: Logger;
    observer?: DeliveryObserver;
  },
): Runner {
  const { config } = setup;
  const sender = webhookSender(setup);
  // Named by machine, process, this engine and data directory, so that a restart knows its predecessor's leases.
  const holder: LeaseHolder = {
    host: hostname(),
    pid: process.pid,
    instance: randomBytes(4).toString('hex'),
    dataDir: createHash('sha256').update(config.dataDir).digest('hex').slice(0, 12),
  };
  // The embedded store is locked to one process: whatever leases it finds at start are of a process now dead.
  const exclusive = config.databaseUrl.startsWith('sqlite:');
  const runner = createRunner({
    store: deps.store,
    sender,
    catalogue: deps.catalogue,
    registry: deps.registry,
    ...(deps.registryCaughtUp ? { registryCaughtUp: deps.registryCaughtUp } : {}),
    clock: deps.clock,
    logger: deps.logger,
    dipId: config.dipId,
    owner: formatLeaseHolder(holder),
    deadHolders: (holders) => deadHolders(holders, holder, { exclusive, isAlive }),
    random: Math.random,
    ticketUrl: ticketUrls(setup.ticketBase),
    ...(deps.observer ? { observer: deps.observer } : {}),
    policy: {
      retry: { ...DEFAULT_RETRY, maxPeriodMs: config.delivery.retryPeriodMs },
      breaker: DEFAULT_BREAKER,
      lingerMs: config.delivery.lingerMs,
      concurrency: config.delivery.concurrency,
      leaseMs: config.delivery.leaseMs,
      pollMs: 1_000,
    },
  });
  // Other processes sharing the database say when they commit copies (PostgreSQL NOTIFY): wake at once.
  let unwatch: Promise<(() => Promise<void>) | undefined> | undefined;
  return {
    ...runner,
    start() {
      runner.start();
      unwatch = deps.store
        .watchDue?.(() => runner.wake())
        .catch((e: unknown) => {
          deps.logger.warn({ err: e }, 'cannot listen for due work; polling only');
          return undefined;
        });
    },
    /** Lets the calls in flight finish, then closes the engine's connections. */
    async stop() {
      await (
        await unwatch
      )?.();
      await runner.stop();
      await sender.close();
    },
  };
}
