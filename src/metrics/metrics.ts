/**
 * The DIP's Prometheus metrics: one prom-client Registry per DIP (and one per delivery thread), never the
 * library's global one, so two DIPs in one process (as in tests) count apart. Each thread counts what it
 * does; the scrape (scrape.ts) merges the threads' registries into one answer.
 *
 * Labels are channel, role, code, state, status, thread and quantile only: each has a few dozen values at
 * most, whatever the number of participants.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Pause } from '../domain/pause.js';
import { pauseGauge } from './pauses.js';
import { Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { ApiObserver, AttemptObservation, DeliveryObserver, SendObservation } from '../domain/observe.js';

export type Thread = 'api' | 'delivery';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const LATENCY = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400];
const COUNTS = [1, 10, 100, 500, 1000, 5000, 10000, 25000, 50000];
const BYTES = [1024, 16384, 131072, 1048576, 8388608, 67108864, 268435456];

export interface ThreadMetrics {
  registry: Registry;
  /** The registry's contents, in the form AggregatorRegistry.aggregate merges. */
  json(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
  stop(): void;
}

/** Every metric, defined once, so each thread's registry has the same names, types, labels and buckets. */
function define(registry: Registry) {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'opendip_send_requests_total',
      help: 'Send API requests (POST /{version}/dip-channel/{IF-xxx}) by channel and HTTP status',
      labelNames: ['channel', 'status'],
      registers,
    }),
    messages: new Counter({
      name: 'opendip_send_messages_total',
      help: 'Messages in send API requests by channel and the MSG code of their response item (MSG0000: accepted)',
      labelNames: ['channel', 'code'],
      registers,
    }),
    requestMessages: new Histogram({
      name: 'opendip_send_request_messages',
      help: 'Messages per send API request',
      labelNames: ['channel'],
      buckets: COUNTS,
      registers,
    }),
    requestBytes: new Histogram({
      name: 'opendip_send_request_bytes',
      help: 'Body bytes per send API request',
      labelNames: ['channel'],
      buckets: BYTES,
      registers,
    }),
    ingest: new Histogram({
      name: 'opendip_send_duration_seconds',
      help: 'Time from a send request arriving to its answer (validation, routing and the committing transaction)',
      labelNames: ['channel'],
      buckets: SECONDS,
      registers,
    }),
    attempts: new Counter({
      name: 'opendip_delivery_attempts_total',
      help: 'Webhook calls by channel and HTTP status (timeout, refused or network when no status came)',
      labelNames: ['channel', 'status'],
      registers,
    }),
    batch: new Histogram({
      name: 'opendip_delivery_batch_messages',
      help: 'Messages per webhook call',
      labelNames: ['channel'],
      buckets: COUNTS,
      registers,
    }),
    batchBytes: new Histogram({
      name: 'opendip_delivery_batch_bytes',
      help: 'Body bytes per webhook call',
      labelNames: ['channel'],
      buckets: BYTES,
      registers,
    }),
    copies: new Counter({
      name: 'opendip_delivery_copies_total',
      help: 'Copies after an attempt, by channel, recipient role and state: delivered, retrying, rejected, held, dead',
      labelNames: ['channel', 'role', 'state'],
      registers,
    }),
    latency: new Histogram({
      name: 'opendip_delivery_latency_seconds',
      help: 'Time from a copy being accepted to its webhook acknowledging it',
      labelNames: ['channel'],
      buckets: LATENCY,
      registers,
    }),
    breaker: new Counter({
      name: 'opendip_breaker_transitions_total',
      help: 'Circuit breaker changes recorded by this process, by channel and the state entered',
      labelNames: ['channel', 'state'],
      registers,
    }),
    open: new Gauge({
      name: 'opendip_breaker_open_endpoints',
      help: 'Endpoints whose breaker this process last recorded as open',
      labelNames: ['channel'],
      registers,
    }),
    replayed: new Counter({
      name: 'opendip_replay_messages_total',
      help: 'Messages and status messages answered by replay, by channel (STATUS for status messages)',
      labelNames: ['channel'],
      registers,
    }),
    requeued: new Counter({
      name: 'opendip_requeue_copies_total',
      help: 'Copies queued again by requeue requests, by channel',
      labelNames: ['channel'],
      registers,
    }),
  };
}

type Metrics = ReturnType<typeof define>;

/** Event-loop delay of this thread since the last scrape: median, 99th percentile and worst. */
function watchEventLoop(registry: Registry, thread: Thread): () => void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  new Gauge({
    name: 'opendip_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape, by thread and quantile (1: the worst)',
    labelNames: ['thread', 'quantile'],
    registers: [registry],
    aggregator: 'max',
    collect() {
      const seconds = (ns: number): number => (Number.isFinite(ns) ? ns / 1e9 : 0);
      this.set({ thread, quantile: '0.5' }, seconds(delay.percentile(50)));
      this.set({ thread, quantile: '0.99' }, seconds(delay.percentile(99)));
      this.set({ thread, quantile: '1' }, seconds(delay.max));
      delay.reset();
    },
  });
  return () => delay.disable();
}

function threadMetrics(registry: Registry, stop: () => void): ThreadMetrics {
  return { registry, json: () => registry.getMetricsAsJSON(), stop };
}

/** The delivery engine's side: what each attempt did. */
export function deliveryObserver(m: Metrics): DeliveryObserver {
  const openEndpoints = new Map<string, string>(); // endpoint key → channel
  return {
    attempt(o: AttemptObservation) {
      const channel = { channel: o.channel };
      m.attempts.inc({ ...channel, status: o.status === null ? (o.error ?? 'network') : String(o.status) });
      m.batch.observe(channel, o.messages);
      m.batchBytes.observe(channel, o.bytes);
      for (const [state, n] of Object.entries(o.outcomes))
        if (n) m.copies.inc({ channel: o.channel, role: o.role || 'none', state }, n);
      for (const s of o.deliveredAfter) m.latency.observe(channel, s);
      if (o.breaker.before !== o.breaker.after) m.breaker.inc({ ...channel, state: o.breaker.after });
      if (o.breaker.after === 'open') openEndpoints.set(o.endpointKey, o.channel);
      else openEndpoints.delete(o.endpointKey);
      m.open.reset();
      for (const c of openEndpoints.values()) m.open.inc({ channel: c });
    },
  };
}

export function apiObserver(m: Metrics): ApiObserver {
  return {
    send(o: SendObservation) {
      const channel = { channel: o.channel };
      m.requests.inc({ ...channel, status: String(o.status) });
      const byCode = new Map<string, number>();
      for (const code of o.codes) byCode.set(code, (byCode.get(code) ?? 0) + 1);
      for (const [code, n] of byCode) m.messages.inc({ ...channel, code }, n);
      if (o.codes.length > 0) m.requestMessages.observe(channel, o.codes.length);
      m.requestBytes.observe(channel, o.bytes);
      m.ingest.observe(channel, o.seconds);
    },
    replayed: (channel, n) => void (n > 0 && m.replayed.inc({ channel }, n)),
    requeued: (channel, n) => void (n > 0 && m.requeued.inc({ channel }, n)),
  };
}

/** The registry of a thread that serves the API (and delivers, when delivery is not on a thread of its own). */
export function createApiMetrics(
  overdue: () => Promise<number | null>,
  pauses: () => readonly Pause[] = () => [],
): ThreadMetrics & {
  api: ApiObserver;
  delivery: DeliveryObserver;
} {
  const registry = new Registry();
  const m = define(registry);
  new Gauge({
    name: 'opendip_delivery_overdue_seconds',
    help: 'How long the most overdue endpoint has waited past its due time (0: none); read from the endpoints table',
    registers: [registry],
    aggregator: 'max',
    async collect() {
      this.set(Math.max(0, ((await overdue()) ?? 0) / 1000));
    },
  });
  pauseGauge(registry, pauses);
  const stop = watchEventLoop(registry, 'api');
  return { ...threadMetrics(registry, stop), api: apiObserver(m), delivery: deliveryObserver(m) };
}

/** The registry of the delivery thread: the same metrics, of which it moves the delivery ones. */
export function createDeliveryMetrics(): ThreadMetrics & { delivery: DeliveryObserver } {
  const registry = new Registry();
  const m = define(registry);
  const stop = watchEventLoop(registry, 'delivery');
  return { ...threadMetrics(registry, stop), delivery: deliveryObserver(m) };
}
