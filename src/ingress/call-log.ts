/**
 * The audit trail of calls that archive nothing (refusals, /validate): written in batches once a second,
 * so a flood of refused requests costs one transaction a second, not a disk sync each. Calls that archive
 * messages are audited in their own transaction instead, together with what they archived.
 */
import type { ApiCall } from '../domain/archive.js';
import type { IngestStore } from '../storage/ports.js';

export interface CallLog {
  record(call: ApiCall): void;
  /** Writes what is buffered; resolves once it is stored. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createCallLog(
  store: Pick<IngestStore, 'recordCalls'>,
  options: { intervalMs?: number; maxBuffered?: number; onDropped?: (count: number) => void } = {},
): CallLog {
  const max = options.maxBuffered ?? 10_000;
  let buffer: ApiCall[] = [];
  let dropped = 0;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (buffer.length === 0 && dropped === 0) return writing;
    const calls = buffer;
    buffer = [];
    if (dropped > 0) options.onDropped?.(dropped);
    dropped = 0;
    writing = writing.then(() => store.recordCalls(calls)).catch(() => options.onDropped?.(calls.length));
    return writing;
  };
  const timer = setInterval(() => void flush(), options.intervalMs ?? 1_000);
  timer.unref();

  return {
    record(call) {
      if (buffer.length >= max) dropped++;
      else buffer.push(call);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
