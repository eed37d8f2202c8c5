/**
 * The composition root: reads nothing but the Config it is given, wires every component, starts the
 * HTTP server, and stops it all in order.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Catalogue } from '../catalogue/catalogue.js';
import { loadCatalogue } from '../catalogue/load.js';
import type { Config } from '../config/config.js';
import { continuationKeysFor } from '../crypto/signing-keys.js';
import { parsePemBundle } from '../crypto/certificates.js';
import { systemClock, type Clock } from '../domain/time.js';
import { buildApp } from '../http/app.js';
import { buildOpsApp } from '../http/ops-app.js';
import { createApiMetrics } from '../metrics/metrics.js';
import { startQueueSampler, type QueueSampler } from '../metrics/queue-gauges.js';
import { storeTiming } from '../metrics/store-timing.js';
import { timedStore, type StoreTiming } from '../storage/timed.js';
import { QUEUE_SAMPLE_MS, sampleQueue } from './queue-sample.js';
import { ticketBase, ticketUrls, type TicketUrl } from '../domain/ticket.js';
import { consumptionReplays, CONSUMPTION_REQUEST } from '../replay/consumption.js';
import { createCallLog, type CallLog } from '../ingress/call-log.js';
import { openPauseBoard, type PauseBoard } from '../ingress/pauses.js';
import type { Runner } from '../delivery/runner.js';
import type { Sender } from '../delivery/sender.js';
import {
  demoFilePath,
  ensureDevPki,
  pkiPaths,
  readDemoFile,
  writeDemoFile,
  type DemoMarketFile,
} from '../demo/market.js';
import { keepFresh, openRegistry, type Registry } from '../registry/registry.js';
import { lockDataDirectory, openStore } from '../storage/open.js';
import { describeDemoMpans } from '../demo/mpans.js';
import { prepareDemo, startDemoSinks } from '../demo/run.js';
import { createDeliveryEngine, webhookSender, type DeliverySetup } from './delivery.js';
import { createLogger, logStyle } from './log.js';
import { startDeliveryThread, type DeliveryThread } from './delivery-host.js';
import { startHousekeeping, type Housekeeper } from './housekeeping.js';
import { sweepWaiting } from '../delivery/waiting-notice.js';
import { operations, overdueMs } from './operations.js';
import { retentionPlan } from '../domain/retention.js';
import type { Store } from '../storage/ports.js';
import { createSchemaRegistry } from '../validation/schemas.js';

export interface RunningDip {
  app: FastifyInstance;
  store: Store;
  registry: Registry;
  catalogue: Catalogue;
  /** The buffered audit of refused calls; flush() to make it durable now. */
  callLog: CallLog;
  /** The delivery engine, wake() makes it look for due work now; null in an api process. */
  delivery: Runner | null;
  /** Housekeeping (and the waiting sweep) on a delivering process; runOnce() runs a round now. */
  housekeeping: Housekeeper | null;
  /** The queue gauges' background sampler; sampleNow() refreshes them. */
  queueSampler: QueueSampler;
  /** What this process does (config.role). */
  role: Config['role'];
  /** http://host:port of the `--metrics-port` listener; null without one. */
  metricsOrigin: string | null;
  /** The API base URL including the version segment, e.g. https://127.0.0.1:8443/1.1 */
  baseUrl: string;
  /** The demo market, where its description was written and where its participants' deliveries land. */
  demo: { file: string; market: DemoMarketFile; inbox: string } | null;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
  /** Write the banner (default true). */
  banner?: (text: string) => void;
}

const readText = (path: string): string => readFileSync(path, 'utf8');

export async function startDip(config: Readonly<Config>, options: StartOptions = {}): Promise<RunningDip> {
  const logger =
    options.logger ??
    createLogger(config.logLevel, logStyle(config.logFormat, process.stdout.isTTY === true), pino.destination(1));
  const clock = options.clock ?? systemClock;
  const embedded = config.databaseUrl.startsWith('sqlite:');
  const release = embedded ? lockDataDirectory(config.dataDir) : () => undefined;
  let store: Store | null = null;
  // What has started, so that a failed start stops it all again.
  let app: FastifyInstance | null = null;
  let opsApp: FastifyInstance | null = null;
  let metrics: ReturnType<typeof createApiMetrics> | null = null;
  let runner: Runner | null = null;
  let testCalls: Sender | null = null;
  let housekeeper: Housekeeper | null = null;
  let pauses: PauseBoard | null = null;
  let sampler: QueueSampler | null = null;
  try {
    const catalogue = loadCatalogue(config.openapiFiles);
    // A closed version that names nothing loaded is a typo that would close nothing.
    for (const pair of config.closedSchemaVersions) {
      const [channel, version] = pair.split('|') as [string, string];
      if (![...catalogue.leaves.values()].some((l) => l.channel === channel && l.schemaVersion === version))
        throw new Error(`--closed-schema-versions: no schema of ${channel} has version ${version}`);
    }
    const schemas = createSchemaRegistry(catalogue);
    const opened = await openStore(config.databaseUrl);
    // Timed from the start; the histogram exists once the metrics do, a few lines on.
    let observeStore: StoreTiming = () => undefined;
    store = timedStore(opened, (operation, seconds) => observeStore(operation, seconds));
    const pauseBoard = await openPauseBoard(opened, config.pauseRefreshMs, logger);
    pauses = pauseBoard;
    let thread: DeliveryThread | null = null;
    const registry = await openRegistry(store, () => thread?.registryChanged());
    const usesDevPki =
      config.demo || (config.tls.enabled && !config.tls.certFile) || !config.trustedCaFile || !config.dipCertFile;
    const pki = usesDevPki ? await ensureDevPki(config.dataDir, config.host === '0.0.0.0' ? [] : [config.host]) : null;

    const tls = config.tls.enabled
      ? {
          cert: readText(config.tls.certFile ?? pki!.paths.serverCert),
          key: readText(config.tls.keyFile ?? pki!.paths.serverKey),
          clientCa: readText(config.tls.clientCaFile ?? config.trustedCaFile ?? pki!.paths.caCert),
        }
      : undefined;
    const anchorsFile = config.trustedCaFile ?? pkiPaths(config.dataDir).caCert;
    const anchors = existsSync(anchorsFile) ? parsePemBundle(readText(anchorsFile)) : [];
    if (anchors.length === 0)
      logger.warn({ file: anchorsFile }, 'no trusted CA: every signed request will be refused (MSG1013)');
    const clientAnchors = tls ? parsePemBundle(tls.clientCa) : [];

    // Participants exist before the port opens, so no request can arrive ahead of them.
    const demoParticipants =
      config.demo && pki
        ? await prepareDemo(catalogue, registry, store, {
            dataDir: config.dataDir,
            ca: pki.ca,
            environment: config.environment,
            now: clock.now(),
          })
        : null;
    const callLog = createCallLog(store, {
      onDropped: (count) => logger.warn({ count }, 'audit records of refused calls dropped: writing could not keep up'),
    });
    const setup: Omit<DeliverySetup, 'ticketBase'> = {
      config,
      dipCertFile: config.dipCertFile ?? pki!.paths.dipCert,
      dipKeyFile: config.dipKeyFile ?? pki!.paths.dipKey,
      webhookCaFiles: [config.delivery.webhookCaFile ?? (pki ? pki.paths.caCert : null)].filter(
        (f): f is string => f !== null,
      ),
    };
    // Process roles: an api process leaves delivery and housekeeping to the workers sharing its database.
    const delivers = config.role !== 'api';
    // Tokens sealed with a key a rotation retired still open until they expire (crypto/signing-keys.ts).
    const continuationKey = continuationKeysFor(setup.dipKeyFile, clock.now());
    // Where the audit record of a transaction is read: known once the port is (it may be chosen at listen).
    let ticketUrl: TicketUrl = () => null;
    const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');
    const openedMetrics = createApiMetrics(
      () => overdueMs(opened, clock).catch(() => null),
      () => pauseBoard.all(),
    );
    observeStore = storeTiming(openedMetrics.registry);
    metrics = openedMetrics;
    const sampledStore = store;
    sampler = startQueueSampler(
      openedMetrics.registry,
      () => sampleQueue(sampledStore, config.waitingNoticeMs, clock),
      { intervalMs: QUEUE_SAMPLE_MS, onError: (err) => logger.warn({ err }, 'sampling the delivery queue failed') },
    );
    const ops = operations({
      store,
      clock,
      metrics: openedMetrics,
      thread: () => thread,
      delivers,
      maxOverdueMs: config.readyMaxOverdueMs,
      pauses: () => pauseBoard.all(),
    });
    // The portal's test calls go out as deliveries do: signed with the DIP's key, over mTLS.
    testCalls = webhookSender(setup);
    app = await buildApp({
      observer: openedMetrics.api,
      ops,
      config,
      catalogue,
      schemas,
      store,
      registry,
      callLog,
      clock,
      logger,
      anchors,
      clientAnchors,
      tls,
      continuationKey,
      randomHex,
      pauses: pauseBoard,
      testCalls,
      wakeDelivery: () => runner?.wake(),
      onAccepted: new Map([
        [
          CONSUMPTION_REQUEST,
          (accepted, request) =>
            consumptionReplays(accepted, {
              store: opened,
              catalogue,
              schemas,
              dipId: config.dipId,
              environment: config.environment,
              randomHex,
              ...request,
            }),
        ],
      ]),
      ticketUrl: (transactionId) => ticketUrl(transactionId),
    });
    if (config.role !== 'worker') await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const origin =
      config.publicUrl ??
      `${config.tls.enabled ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const deliverySetup: DeliverySetup = {
      ...setup,
      ticketBase: config.role === 'worker' && !config.publicUrl ? null : ticketBase(origin, config.apiVersion),
    };
    ticketUrl = ticketUrls(deliverySetup.ticketBase);
    // Its own thread when it can have one: an injected clock cannot cross, nor can an in-memory database.
    const threaded = delivers && config.delivery.thread && !options.clock && !config.databaseUrl.endsWith(':memory:');
    if (threaded) thread = await startDeliveryThread(deliverySetup, logger);
    runner =
      thread ??
      (delivers
        ? createDeliveryEngine(deliverySetup, {
            store,
            catalogue,
            registry: () => registry.view(),
            clock,
            logger,
            observer: openedMetrics.delivery,
          })
        : null);
    runner?.start();
    const waitingDeps = { dipId: config.dipId, ticketUrl, noticeMs: config.waitingNoticeMs };
    const sweptStore = store;
    housekeeper = delivers
      ? startHousekeeping(store, {
          intervalMs: config.housekeepingIntervalMs,
          retention: retentionPlan(config.retention, catalogue.channels.keys()),
          clock,
          logger,
          alsoEachRound: async (now) => {
            const noticed = await sweepWaiting(sweptStore, waitingDeps, now);
            if (noticed > 0) logger.info({ noticed }, 'senders told of copies waiting for a webhook');
          },
        })
      : null;
    const baseUrl = `${origin}/${config.apiVersion}`;
    let metricsOrigin: string | null = null;
    if (config.metricsPort !== null) {
      opsApp = await buildOpsApp({ config, store, catalogue, ops, logger });
      await opsApp.listen({ host: config.host, port: config.metricsPort });
      const a = opsApp.server.address();
      metricsOrigin = `http://${host.includes(':') ? `[${host}]` : host}:${typeof a === 'object' && a ? a.port : config.metricsPort}`;
    }

    let market: DemoMarketFile | null = null;
    const file = demoFilePath(config.dataDir);
    const info = { baseUrl, environment: config.environment, caCertificatePath: pkiPaths(config.dataDir).caCert };
    if (demoParticipants) market = { ...info, participants: demoParticipants };
    else if (config.demo && existsSync(file)) market = { ...readDemoFile(file), ...info };
    if (market) market.mpans = describeDemoMpans(market.participants);
    // Rewritten on every start: the port or public URL may have changed since the last one.
    if (market) writeDemoFile(config.dataDir, market);
    const demoSinks = market
      ? await startDemoSinks(catalogue, store, market.participants, {
          dataDir: config.dataDir,
          caPem: readText(pkiPaths(config.dataDir).caCert),
          dipId: config.dipId,
          now: clock.now(),
        })
      : null;
    const demo = market && demoSinks ? { file, market, inbox: demoSinks.inbox } : null;
    const refresher = keepFresh(registry, config.registryRefreshMs, logger);
    const [openStoreRef, openApp, openRunner, openHousekeeper, openOps] = [store, app, runner, housekeeper, opsApp];
    const openSampler = sampler;
    return {
      app: openApp,
      store,
      registry,
      catalogue,
      callLog,
      delivery: openRunner,
      housekeeping: openHousekeeper,
      queueSampler: openSampler,
      role: config.role,
      metricsOrigin,
      baseUrl,
      demo,
      async close() {
        refresher.stop();
        pauseBoard.stop();
        await openOps?.close();
        await openApp.close();
        await openHousekeeper?.stop();
        await openSampler.stop();
        await openRunner?.stop();
        await demoSinks?.sink.close();
        await callLog.close();
        await testCalls?.close();
        await openStoreRef.close();
        openedMetrics.stop();
        release();
      },
    };
  } catch (e) {
    metrics?.stop();
    pauses?.stop();
    await opsApp?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await housekeeper?.stop().catch(() => undefined);
    await sampler?.stop().catch(() => undefined);
    await runner?.stop().catch(() => undefined);
    await testCalls?.close().catch(() => undefined);
    await store?.close();
    release();
    throw e;
  }
}
