/**
 * One sample of the delivery queue for the queue gauges: a capped count per state along the deliveries'
 * partial indexes (deliveries_due, deliveries_stuck), never a scan; the waiting ones older than the notice
 * setting counted the same way with the age filter; each channel's backlog age from the small endpoints table.
 */
import { QUEUE_COUNT_CAP, type QueueFilter, type QueueState } from '../domain/queue.js';
import type { Clock } from '../domain/time.js';
import type { QueueSample } from '../metrics/queue-gauges.js';
import type { DeliveryStore, QueueStore } from '../storage/ports.js';

/** How often the gauges are sampled. */
export const QUEUE_SAMPLE_MS = 15_000;

const all = (state: QueueState, createdBefore: number | null = null): QueueFilter => ({
  state,
  recipientId: null,
  role: null,
  channel: null,
  createdBefore,
});

export async function sampleQueue(
  store: QueueStore & Pick<DeliveryStore, 'earliestDueByChannel'>,
  noticeMs: number,
  clock: Clock,
): Promise<QueueSample> {
  const count = (f: QueueFilter) => store.countQueue(f, QUEUE_COUNT_CAP);
  const [pending, waiting, held, dead] = await Promise.all(
    (['pending', 'waiting', 'held', 'dead'] as const).map((s) => count(all(s))),
  );
  const waitingPastNotice = noticeMs > 0 ? await count(all('waiting', clock.now() - noticeMs)) : 0;
  const now = clock.now();
  const overdueByChannel = (await store.earliestDueByChannel()).map(({ channel, due }) => ({
    channel,
    overdueMs: Math.max(0, now - due),
  }));
  return {
    copies: { pending: pending!, waiting: waiting!, held: held!, dead: dead! },
    waitingPastNotice,
    overdueByChannel,
  };
}
