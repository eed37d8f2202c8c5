/**
 * Housekeeping: on whichever process leads it (one per database; another takes over when the leader
 * dies), every interval: rescue expired endpoint leases, prepare the coming months' partitions, and
 * purge what is past retention. Processes that do not lead just ask again next interval.
 */
import type { Logger } from 'pino';
import type { RetentionPlan } from '../domain/retention.js';
import type { Clock } from '../domain/time.js';
import type { HousekeepingStore } from '../storage/ports.js';

export interface Housekeeper {
  /** Runs one round now (if this process leads); resolves when it is done. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

export function startHousekeeping(
  store: HousekeepingStore,
  options: {
    intervalMs: number;
    retention: RetentionPlan;
    clock: Clock;
    logger: Logger;
    /** More work for the leader each round (the waiting sweep); its failure is logged like the round's. */
    alsoEachRound?: (now: number) => Promise<void>;
  },
): Housekeeper {
  let current: Promise<void> = Promise.resolve();
  let leading = false;
  const round = async (): Promise<void> => {
    try {
      const lead = await store.leadHousekeeping();
      if (lead !== leading)
        options.logger.info(
          { leading: lead },
          lead ? 'this process now leads housekeeping' : 'another process leads housekeeping',
        );
      leading = lead;
      if (!lead) return;
      const report = await store.housekeeping(options.clock.now(), options.retention);
      if (report.leasesRescued + report.partitionsCreated + report.partitionsDropped + report.messagesPurged > 0) {
        options.logger.info(report, 'housekeeping');
      }
      await options.alsoEachRound?.(options.clock.now());
    } catch (e) {
      options.logger.error({ err: e }, 'housekeeping failed');
    }
  };
  const runOnce = (): Promise<void> => (current = current.then(round));
  void runOnce();
  const timer = setInterval(() => void runOnce(), options.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
