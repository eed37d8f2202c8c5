/**
 * A circuit breaker per recipient endpoint, so that a participant whose webhook is down costs the DIP one probe
 * per open period instead of a timeout per message, and delivery to everyone else never queues behind it.
 *
 * closed ──failureThreshold consecutive failures──▶ open(until) ──time is up, one call admitted──▶ half-open
 * half-open ──trial succeeds──▶ closed          half-open ──trial fails──▶ open for twice as long (capped)
 *
 * The caller reports the outcome of every admitted call, exactly once: a half-open breaker admits nothing else
 * until its trial's outcome is known.
 */

export type Breaker =
  | { state: 'closed'; failures: number }
  /**
   * `failures`: consecutive failures since it (re)opened, counting the ones that opened it; `trips`: opens in a row.
   */
  | { state: 'open'; failures: number; trips: number; until: number }
  | { state: 'half-open'; trips: number };

export interface BreakerPolicy {
  /** Consecutive failures that open a closed breaker. */
  failureThreshold: number;
  /** How long the first trip stays open; each further trip in a row doubles it. */
  openMs: number;
  maxOpenMs: number;
}

export const DEFAULT_BREAKER: BreakerPolicy = Object.freeze({
  failureThreshold: 5,
  openMs: 5_000,
  maxOpenMs: 5 * 60_000,
});

export const CLOSED: Breaker = Object.freeze({ state: 'closed', failures: 0 });

/** How long the `trips`-th consecutive trip keeps the breaker open. */
export function openDuration(policy: BreakerPolicy, trips: number): number {
  return Math.min(policy.maxOpenMs, policy.openMs * 2 ** Math.max(0, trips - 1));
}

/** May a call go now? An open breaker whose time is up lets exactly one trial call through (half-open). */
export function admit(b: Breaker, now: number): { allowed: boolean; breaker: Breaker } {
  switch (b.state) {
    case 'closed':
      return { allowed: true, breaker: b };
    case 'open':
      if (now < b.until) return { allowed: false, breaker: b };
      return { allowed: true, breaker: { state: 'half-open', trips: b.trips } };
    case 'half-open':
      return { allowed: false, breaker: b };
  }
}

/** Any delivered call proves the endpoint is reachable, whatever state the breaker was in. */
export function onSuccess(_b: Breaker): Breaker {
  return CLOSED;
}

export function onFailure(b: Breaker, now: number, policy: BreakerPolicy): Breaker {
  switch (b.state) {
    case 'closed': {
      const failures = b.failures + 1;
      if (failures < Math.max(1, policy.failureThreshold)) return { state: 'closed', failures };
      return { state: 'open', failures, trips: 1, until: now + openDuration(policy, 1) };
    }
    case 'half-open': {
      const trips = b.trips + 1;
      return { state: 'open', failures: 1, trips, until: now + openDuration(policy, trips) };
    }
    case 'open':
      // A call admitted before the breaker opened and failing late says nothing new: the open period stands.
      return { ...b, failures: b.failures + 1 };
  }
}
