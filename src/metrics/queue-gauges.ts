/**
 * The delivery queue's size as gauges, sampled in the background: a scrape reads the last sample and never
 * queries the store. Each count is capped (the sampler's `count` stops past its cap, along the deliveries'
 * partial indexes), so a sample costs at most the cap per state however large a backlog grows; a gauge at
 * cap + 1 means "more than the cap".
 */
import { Gauge, type Registry } from 'prom-client';

export const SAMPLED_STATES = ['pending', 'waiting', 'held', 'dead'] as const;
export type SampledState = (typeof SAMPLED_STATES)[number];

export interface QueueSample {
  copies: Record<SampledState, number>;
  /** Copies waiting for a webhook longer than --waiting-notice-minutes. */
  waitingPastNotice: number;
  /** Per channel with an endpoint waiting: how long its most overdue endpoint is past due (ms, 0 if none is yet). */
  overdueByChannel: { channel: string; overdueMs: number }[];
}

export interface QueueSampler {
  /** Takes a sample now and sets the gauges; resolves when done. */
  sampleNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startQueueSampler(
  registry: Registry,
  sample: () => Promise<QueueSample>,
  options: { intervalMs: number; onError: (e: unknown) => void },
): QueueSampler {
  const copies = new Gauge({
    name: 'opendip_queue_copies',
    help: 'Copies in the delivery queue by state (pending, waiting for a webhook, held, dead), sampled in the background and capped',
    labelNames: ['state'],
    registers: [registry],
    aggregator: 'max',
  });
  const pastNotice = new Gauge({
    name: 'opendip_queue_waiting_past_notice_copies',
    help: 'Copies waiting for a webhook longer than --waiting-notice-minutes, sampled in the background and capped',
    registers: [registry],
    aggregator: 'max',
  });
  const backlog = new Gauge({
    name: 'opendip_backlog_age_seconds',
    help: 'Per channel: how long its most overdue endpoint has waited past its due time (0: none overdue), sampled in the background',
    labelNames: ['channel'],
    registers: [registry],
    aggregator: 'max',
  });
  let current: Promise<void> = Promise.resolve();
  const round = async (): Promise<void> => {
    try {
      const s = await sample();
      for (const state of SAMPLED_STATES) copies.set({ state }, s.copies[state]);
      pastNotice.set(s.waitingPastNotice);
      backlog.reset();
      for (const { channel, overdueMs } of s.overdueByChannel) backlog.set({ channel }, overdueMs / 1000);
    } catch (e) {
      options.onError(e);
    }
  };
  const sampleNow = (): Promise<void> => (current = current.then(round));
  void sampleNow();
  const timer = setInterval(() => void sampleNow(), options.intervalMs);
  timer.unref();
  return {
    sampleNow,
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
