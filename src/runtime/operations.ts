/**
 * The operators' view of one process, wired: readiness facts gathered from the store and the delivery
 * thread, and the scrape that merges the API thread's metrics with the delivery thread's.
 */
import type { Clock } from '../domain/time.js';
import { judgeReadiness, type Readiness } from '../domain/health.js';
import { describePause, type Pause } from '../domain/pause.js';
import type { OpsDeps } from '../http/routes/ops.js';
import type { ThreadMetrics } from '../metrics/metrics.js';
import { METRICS_CONTENT_TYPE, scrapeText } from '../metrics/scrape.js';
import type { Store } from '../storage/ports.js';
import type { DeliveryThread } from './delivery-host.js';

export interface OperationsDeps {
  store: Store;
  clock: Clock;
  metrics: ThreadMetrics;
  /** The delivery thread, once started; null where delivery runs in-process or not at all. */
  thread: () => DeliveryThread | null;
  /** Whether this process delivers (role all or worker). */
  delivers: boolean;
  maxOverdueMs: number;
  /** The pauses in force, as this process applies them. */
  pauses: () => readonly Pause[];
}

/**
 * How long the most overdue endpoint has waited past its due time, ms. Read from the endpoints table's
 * partial index on next_due_at (one row per recipient × channel × role with work), the query the engine
 * itself schedules by: its cost grows with endpoints, never with copies.
 */
export async function overdueMs(store: Store, clock: Clock): Promise<number> {
  const due = await store.earliestDue();
  return due === null ? 0 : Math.max(0, clock.now() - due);
}

async function readiness(d: OperationsDeps): Promise<Readiness> {
  let storeError: string | null = null;
  let behind = 0;
  let overdue: number | null = null;
  try {
    behind = await d.store.migrationsBehind();
    if (d.delivers) overdue = await overdueMs(d.store, d.clock);
  } catch (e) {
    storeError = e instanceof Error ? e.message : String(e);
  }
  const thread = d.thread();
  return judgeReadiness({
    storeError,
    migrationsBehind: behind,
    deliveryThreadAlive: thread ? thread.alive() : null,
    overdueMs: overdue,
    maxOverdueMs: d.maxOverdueMs,
    ingressPaused: d
      .pauses()
      .filter((p) => p.kind === 'ingress')
      .map((p) => `${describePause(p)}${p.reason ? ` (${p.reason})` : ''}`),
  });
}

export function operations(d: OperationsDeps): OpsDeps {
  return {
    readiness: () => readiness(d),
    async metrics() {
      const own = await d.metrics.json();
      const other = await d.thread()?.metrics();
      return scrapeText(other ? [own, other] : [own]);
    },
    metricsContentType: METRICS_CONTENT_TYPE,
  };
}
