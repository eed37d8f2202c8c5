/**
 * Runs the delivery engine on a worker thread and looks after it: wake-ups are passed on, a thread that
 * dies is started again (its endpoint leases expire, so nothing is lost or sent twice by the restart),
 * and stop waits for the calls in flight to finish.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Runner } from '../delivery/runner.js';
import type { RegistryJson } from '../metrics/scrape.js';
import type { DeliverySetup } from './delivery.js';
import { logStyle } from './log.js';

/** How long a dead thread's successor waits by default: a thread that dies at once on start does not spin. */
const RESTART_DELAY_MS = 1_000;
/** A scrape does not wait longer than this for a thread busy beyond it; it answers without the thread's part. */
const METRICS_WAIT_MS = 2_000;

export interface DeliveryThread extends Runner {
  /** The registry changed: the thread reloads it before it handles anything sent after this. */
  registryChanged(): void;
  /** Whether a thread is running now (false between a death and its restart). */
  alive(): boolean;
  /** The thread's metrics registry, or null when no thread answers. */
  metrics(): Promise<RegistryJson | null>;
}

type FromThread = 'ready' | 'stopped' | { metrics: number; json: RegistryJson };

const SCRIPT = new URL('./delivery-thread.js', import.meta.url);

export interface DeliveryThreadOptions {
  /** The thread's entry: the delivery engine; another only to test this supervision. */
  script?: URL;
  /** How long after a thread dies its successor starts (default 1 s). */
  restartDelayMs?: number;
}

export async function startDeliveryThread(
  setup: DeliverySetup,
  logger: Logger,
  { script = SCRIPT, restartDelayMs = RESTART_DELAY_MS }: DeliveryThreadOptions = {},
): Promise<DeliveryThread> {
  let worker: Worker | null = null;
  // Registry changes made in this process, counted where the thread reads them before it picks a webhook.
  const registryChanges = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  let stopping = false;
  let restart: NodeJS.Timeout | null = null;
  let asked = 0;
  const answers = new Map<number, (json: RegistryJson | null) => void>();

  const spawn = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(script, {
        workerData: {
          ...setup,
          registryChanges,
          logLevel: logger.level,
          logStyle: logStyle(setup.config.logFormat, process.stdout.isTTY === true),
        },
      });
      let ready = false;
      w.on('message', (m: FromThread) => {
        if (typeof m === 'object') return answers.get(m.metrics)?.(m.json);
        if (m === 'ready') {
          ready = true;
          worker = w;
          resolve();
        }
      });
      w.on('error', (e) => {
        if (!ready) return reject(e);
        logger.error({ err: e }, 'the delivery thread failed; starting it again');
      });
      w.on('exit', (code) => {
        if (worker === w) worker = null;
        if (!ready || stopping) return;
        logger.error({ code }, 'the delivery thread exited; starting it again');
        restart = setTimeout(
          () =>
            void spawn().catch((e: unknown) => logger.error({ err: e }, 'the delivery thread could not be started')),
          restartDelayMs,
        );
      });
    });

  await spawn();
  return {
    start() {},
    wake() {
      worker?.postMessage('wake');
    },
    registryChanged() {
      Atomics.add(registryChanges, 0, 1);
      worker?.postMessage('registry');
    },
    alive: () => worker !== null,
    metrics() {
      const w = worker;
      if (!w) return Promise.resolve(null);
      const id = ++asked;
      return new Promise((resolve) => {
        const timer = setTimeout(() => done(null), METRICS_WAIT_MS);
        const done = (json: RegistryJson | null): void => {
          clearTimeout(timer);
          answers.delete(id);
          resolve(json);
        };
        answers.set(id, done);
        w.postMessage({ metrics: id });
      });
    },
    async stop() {
      stopping = true;
      if (restart) clearTimeout(restart);
      const w = worker;
      if (!w) return;
      await new Promise<void>((resolve) => {
        w.on('exit', () => resolve());
        w.on('message', (m: FromThread) => m === 'stopped' && void w.terminate());
        w.postMessage('stop');
      });
    },
  };
}
