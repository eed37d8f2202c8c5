/**
 * The delivery engine: claims endpoints (recipient × channel) that have copies due, packs a batch under the
 * webhook's limits, sends it, and records what the answer means for every copy, the endpoint's circuit
 * breaker and when it is next due — all in one transaction per call. One call in flight per endpoint keeps
 * an endpoint's order; many endpoints are served at once, so a dead one costs the others nothing.
 * Polling is the guarantee; wake() only cuts latency.
 *
 * This file is the loop; the leases are leases.ts, one attempt at an endpoint attempt.ts, its call batch.ts,
 * and what the answer does to each delivery outcome.ts.
 */
import type { Endpoint } from '../domain/delivery.js';
import { attempt, type AttemptDeps } from './attempt.js';
import { createLeases } from './leases.js';
import { createPayloadBuilder } from './payloads.js';
import type { RunnerDeps } from './engine-deps.js';

export interface Runner {
  start(): void;
  wake(): void;
  stop(): Promise<void>;
}

/** A sleep that a wake-up cuts short. */
function createAlarm(): { sleep(ms: number): Promise<void>; wake(): void } {
  let wakeUp: (() => void) | null = null;
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wakeUp = () => {
          clearTimeout(timer);
          wakeUp = null;
          resolve();
        };
      }),
    wake: () => wakeUp?.(),
  };
}

/** Until the next endpoint falls due (a lingering batch, a retry, an open breaker), at most the poll. */
async function sleepMs(deps: RunnerDeps, busy: () => boolean): Promise<number> {
  const { policy } = deps;
  let ms = policy.pollMs;
  try {
    const due = await deps.store.earliestDue();
    if (due !== null) ms = Math.max(0, Math.min(policy.pollMs, due - deps.clock.now()));
  } catch (e) {
    deps.logger.error({ err: e }, 'delivery scheduling failed');
  }
  // Due now but no room to serve it: a finished call wakes the loop.
  return ms === 0 && busy() ? policy.pollMs : ms;
}

/** Serves the endpoint in the background, one of the `active` jobs; whatever happens, it is let go after. */
function serve(deps: AttemptDeps, endpoint: Endpoint, active: Set<Promise<void>>, done: () => void): void {
  const job: Promise<void> = attempt(deps, endpoint)
    .catch((e: unknown) => {
      deps.logger.error(
        { err: e, recipient: endpoint.recipientId, channel: endpoint.channel },
        'delivery failed unexpectedly',
      );
      return deps.store.releaseEndpoint(endpoint, deps.clock.now() + deps.policy.pollMs).catch(() => false);
    })
    .then(() => undefined)
    .finally(() => {
      deps.leases.drop(endpoint);
      active.delete(job);
      done();
    });
  active.add(job);
}

export function createRunner(deps: RunnerDeps): Runner {
  const { policy } = deps;
  const payloads = createPayloadBuilder(deps.catalogue, deps.store, undefined, deps.ticketUrl);
  const leases = createLeases({ ...deps, leaseMs: policy.leaseMs });
  const attemptDeps: AttemptDeps = { ...deps, payloads, leases };
  const alarm = createAlarm();
  let running = false;
  let loop: Promise<void> | null = null;
  const active = new Set<Promise<void>>();

  /** Claims what this engine has room for; the count includes endpoints it was serving already. */
  const tick = async (): Promise<number> => {
    const free = policy.concurrency - active.size;
    if (free <= 0) return 0;
    const claimed = await leases.claim(free);
    // Claimed again after its lease ran out while this engine still serves it: the serving call carries on.
    for (const endpoint of claimed) if (leases.hold(endpoint)) serve(attemptDeps, endpoint, active, alarm.wake);
    return claimed.length;
  };

  const run = async (): Promise<void> => {
    await leases.reclaim();
    while (running) {
      let claimed = 0;
      try {
        claimed = await tick();
      } catch (e) {
        deps.logger.error({ err: e }, 'delivery scheduling failed');
      }
      if (claimed > 0 && active.size < policy.concurrency) continue;
      // Until the next endpoint falls due, a wake-up, or the poll.
      await alarm.sleep(await sleepMs(deps, () => active.size >= policy.concurrency));
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      leases.startHeartbeat();
      loop = run();
    },
    wake() {
      alarm.wake();
    },
    async stop() {
      running = false;
      alarm.wake();
      await loop;
      await Promise.allSettled([...active]);
      leases.stopHeartbeat();
    },
  };
}
