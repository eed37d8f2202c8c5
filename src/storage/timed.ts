/**
 * A store whose every operation tells `observe` how long it took (to its promise settling), by the
 * operation's name: a fixed set of names, so a metric labelled by it stays small. Failures are timed too.
 */
import type { Store } from './ports.js';

export type StoreTiming = (operation: string, seconds: number) => void;

export function timedStore(store: Store, observe: StoreTiming): Store {
  const timed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function' || name === 'close' || name === 'watchDue') {
      timed[name] = value;
      continue;
    }
    const operation = value as (...args: unknown[]) => unknown;
    timed[name] = (...args: unknown[]) => {
      const started = process.hrtime.bigint();
      const done = () => observe(name, Number(process.hrtime.bigint() - started) / 1e9);
      const result = operation(...args);
      if (result instanceof Promise) return result.finally(done);
      done();
      return result;
    };
  }
  return timed as unknown as Store;
}
