/**
 * The pauses in force, as this process knows them: a snapshot of the store's pauses that the send API reads
 * on every request without a query, read again every `refreshMs` so that a pause taken through another
 * process reaches this one, and at once after a change made through this one.
 */
import type { Logger } from 'pino';
import { ingressPauseOf, type Pause, type PauseScope } from '../domain/pause.js';
import type { PauseStore } from '../storage/ports.js';

export interface PauseBoard {
  /** Every pause in force, as last read. */
  all(): readonly Pause[];
  /** The pause refusing sends to this channel, if any. */
  ingress(channel: string): Pause | null;
  /** Saves the pause and applies it in this process before returning. */
  pause(pause: Pause): Promise<void>;
  /** Ends the pause of this scope and applies that in this process before returning; false: there was none. */
  resume(scope: PauseScope): Promise<boolean>;
  /** Reads the store again now. */
  refresh(): Promise<void>;
  stop(): void;
}

export async function openPauseBoard(
  store: PauseStore,
  refreshMs: number,
  logger: Pick<Logger, 'warn'>,
): Promise<PauseBoard> {
  let current = await store.listPauses();
  const refresh = async (): Promise<void> => {
    current = await store.listPauses();
  };
  const timer = setInterval(
    () =>
      void refresh().catch((e: unknown) => logger.warn({ err: e }, 'reading the pauses failed; the last read stands')),
    refreshMs,
  );
  timer.unref();
  return {
    all: () => current,
    ingress: (channel) => ingressPauseOf(current, channel),
    async pause(p) {
      await store.savePause(p);
      await refresh();
    },
    async resume(scope) {
      const ended = await store.deletePause(scope);
      await refresh();
      return ended;
    },
    refresh,
    stop: () => clearInterval(timer),
  };
}
