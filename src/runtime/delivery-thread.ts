/**
 * The delivery engine on its own thread, with its own connection to the store. The API thread tells it
 * `wake` when it has committed new copies; polling stays the guarantee. On `stop` it finishes the calls
 * in flight, closes the store and says `stopped`. Asked `{ metrics: id }`, it answers with its registry's
 * contents, so that the process's /metrics includes what this thread counted.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { loadCatalogue } from '../catalogue/load.js';
import { systemClock } from '../domain/time.js';
import { createDeliveryMetrics } from '../metrics/metrics.js';
import { followChanges, keepFresh, openRegistry } from '../registry/registry.js';
import { openStore } from '../storage/open.js';
import { timedStore } from '../storage/timed.js';
import { storeTiming } from '../metrics/store-timing.js';
import { createDeliveryEngine, type DeliverySetup } from './delivery.js';
import { createLogger, type LogStyle } from './log.js';

const setup = workerData as DeliverySetup & { logLevel: string; logStyle: LogStyle; registryChanges: Int32Array };
const port = parentPort!;
const destination = pino.destination({ dest: 1, sync: false });
const logger = createLogger(setup.logLevel, setup.logStyle, destination);
const metrics = createDeliveryMetrics();
// This thread's store calls are timed into the same histogram as the API thread's; a scrape adds the two.
const store = timedStore(await openStore(setup.config.databaseUrl), storeTiming(metrics.registry));
// Read before the registry is loaded, so that no change counted meanwhile goes unheard.
const catchUp = followChanges(setup.registryChanges);
const registry = await openRegistry(store);
const engine = createDeliveryEngine(setup, {
  observer: metrics.delivery,
  store,
  catalogue: loadCatalogue(setup.config.openapiFiles),
  registry: () => registry.view(),
  registryCaughtUp: () => catchUp(registry),
  clock: systemClock,
  logger,
});
const refresher = keepFresh(registry, setup.config.registryRefreshMs, logger);

// Messages are handled in the order sent; a poll may find a copy first, hence registryCaughtUp before each attempt.
port.on('message', (message: 'wake' | 'registry' | 'stop' | { metrics: number }) => {
  if (typeof message === 'object') {
    void metrics.json().then((json) => port.postMessage({ metrics: message.metrics, json }));
    return;
  }
  if (message === 'wake') return engine.wake();
  if (message === 'registry') {
    return void catchUp(registry).catch((e: unknown) => logger.warn({ err: e }, 'registry refresh failed'));
  }
  refresher.stop();
  metrics.stop();
  void (async () => {
    await engine.stop();
    await store.close();
    destination.flushSync();
    port.postMessage('stopped');
    port.close();
  })();
});
engine.start();
port.postMessage('ready');
