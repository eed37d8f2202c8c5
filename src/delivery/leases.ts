/**
 * The delivery engine's hold on endpoints: claiming due ones under a lease, the endpoints it is serving,
 * the heartbeat that renews their leases, and at start the release of the leases a stopped engine left.
 */
import type { Logger } from 'pino';
import type { Endpoint } from '../domain/delivery.js';
import { renewalInterval } from '../domain/lease.js';
import type { Clock } from '../domain/time.js';
import type { DeliveryStore } from '../storage/ports.js';

export interface LeaseDeps {
  store: DeliveryStore;
  clock: Clock;
  logger: Logger;
  /** This engine's name on the leases it holds. */
  owner: string;
  /** Which of the current lease holders are dead and can be released at start (see domain/lease.ts). */
  deadHolders: (holders: string[]) => string[];
  leaseMs: number;
}

export interface Leases {
  /** Up to `free` due endpoints, each now leased to this engine. */
  claim(free: number): Promise<Endpoint[]>;
  /** Takes a claimed endpoint into service; false when this engine is serving it already. */
  hold(endpoint: Endpoint): boolean;
  /** Ends the service of an endpoint, once its call is over. */
  drop(endpoint: Endpoint): void;
  /** Whether another holder took the endpoint's lease while this engine was serving it. */
  lost(endpoint: Endpoint): boolean;
  warnLost(endpoint: Endpoint, when: string): void;
  /** At start: the leases of an engine that died (of this process or data directory) are ended, not waited out. */
  reclaim(): Promise<void>;
  startHeartbeat(): void;
  stopHeartbeat(): void;
}

const keyOf = (e: Endpoint): string => `${e.recipientId}|${e.channel}|${e.role}`;

export function createLeases(deps: LeaseDeps): Leases {
  const { store, clock, logger } = deps;
  /** Endpoints this engine is serving, by key; their leases are renewed while they are here. */
  const held = new Map<string, Endpoint>();
  /** Of those, the ones whose lease another holder took: their batch is not sent or recorded by this one. */
  const lost = new Set<string>();
  let heartbeat: NodeJS.Timeout | null = null;

  /** Keeps the leases of the endpoints being served; one another holder took is marked lost. */
  const renew = async (): Promise<void> => {
    const serving = [...held.values()];
    if (serving.length === 0) return;
    try {
      const kept = new Set((await store.renewLeases(serving, deps.owner, clock.now() + deps.leaseMs)).map(keyOf));
      // Only the very claim this renewal was for is lost: if that call ended meanwhile (releasing the lease, so
      // nothing was renewed) and the endpoint was claimed again, the new claim's lease is its own.
      for (const e of serving) if (!kept.has(keyOf(e)) && held.get(keyOf(e)) === e) lost.add(keyOf(e));
    } catch (e) {
      logger.warn({ err: e }, 'delivery leases could not be renewed; trying again');
    }
  };

  return {
    claim: (free) => store.claimDueEndpoints(clock.now(), free, deps.owner, deps.leaseMs),
    hold(endpoint) {
      const key = keyOf(endpoint);
      if (held.has(key)) return false;
      held.set(key, endpoint);
      return true;
    },
    drop(endpoint) {
      held.delete(keyOf(endpoint));
      lost.delete(keyOf(endpoint));
    },
    lost: (endpoint) => lost.has(keyOf(endpoint)),
    warnLost(endpoint, when) {
      logger.warn(
        { recipient: endpoint.recipientId, role: endpoint.role || undefined, channel: endpoint.channel },
        `delivery lease lost ${when}`,
      );
    },
    async reclaim() {
      try {
        const dead = deps.deadHolders(await store.leaseHolders());
        const released = await store.releaseLeasesOf(dead);
        if (released > 0)
          logger.info({ endpoints: released, holders: dead }, 'released the delivery leases of a stopped process');
      } catch (e) {
        logger.warn(
          { err: e },
          'delivery leases of stopped processes could not be released; they expire by themselves',
        );
      }
    },
    startHeartbeat() {
      heartbeat = setInterval(() => void renew(), renewalInterval(deps.leaseMs));
    },
    stopHeartbeat() {
      if (heartbeat) clearInterval(heartbeat);
    },
  };
}
