/**
 * What the sink received: every call it answered or dropped, the items it accepted (also in the
 * JSON-lines file, when it has one), the counts, and the waiters told of each call.
 */
import type { Received } from './body.js';
import type { LineFile } from './lines.js';
import type { ReceivedCall, SinkCounts } from './types.js';

export interface Inbox {
  /** JSON lines first, memory after: what the sink acknowledges is what it has written. */
  store(at: number, path: string, received: Received, mpo: unknown, indices: number[]): Promise<void>;
  record(call: ReceivedCall): void;
  calls(): ReceivedCall[];
  messages(): unknown[];
  statuses(): unknown[];
  counts(): SinkCounts;
  /** Resolves once `holds` is true, rejects with what it throws or after `timeoutMs`. */
  waitFor(holds: () => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface InboxOptions {
  /** False keeps only counts and call summaries. */
  keep: boolean;
  /** Lean calls have no items to keep. */
  lean: boolean;
  lines: LineFile | null;
  onCall: ((call: ReceivedCall) => void) | undefined;
}

export function createInbox({ keep, lean, lines, onCall }: InboxOptions): Inbox {
  const received: ReceivedCall[] = [];
  const accepted = { messages: [] as unknown[], statuses: [] as unknown[] };
  const counts: SinkCounts = { calls: 0, messages: 0, statuses: 0, rejected: 0 };
  const waiters = new Set<() => void>();

  const summary = (): string => {
    const byStatus = new Map<number, number>();
    for (const c of received) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
    const statuses = [...byStatus].map(([s, n]) => `${s}×${n}`).join(', ');
    return `saw ${counts.calls} call(s)${statuses ? ` (${statuses})` : ''}, ${counts.messages} accepted message(s), ${counts.statuses} accepted status item(s), ${counts.rejected} rejected item(s)`;
  };

  return {
    async store(at, path, r, mpo, indices) {
      if (lines) await lines.append(at, path, r, mpo, indices);
      const target = r.kind === 'messages' ? accepted.messages : accepted.statuses;
      if (keep && !lean) for (const i of indices) target.push(r.items[i]);
      if (r.kind === 'messages') counts.messages += indices.length;
      else counts.statuses += indices.length;
    },
    record(call) {
      counts.calls++;
      counts.rejected += call.rejected;
      received.push(keep ? call : { ...call, items: [], response: null });
      onCall?.(call);
      for (const w of [...waiters]) w();
    },
    calls: () => [...received],
    messages: () => [...accepted.messages],
    statuses: () => [...accepted.statuses],
    counts: () => ({ ...counts }),
    waitFor: (holds, timeoutMs) => waitUntil(holds, timeoutMs, waiters, summary),
    close: async () => lines?.close(),
  };
}

function waitUntil(
  predicate: () => boolean,
  timeoutMs: number,
  waiters: Set<() => void>,
  summary: () => string,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const holds = (): boolean | Error => {
      try {
        return predicate();
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e));
      }
    };
    const initially = holds();
    if (initially !== false) return initially === true ? resolve() : reject(initially);
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      clearInterval(poll);
      waiters.delete(check);
      if (error) reject(error);
      else resolve();
    };
    const check = (): void => {
      const h = holds();
      if (h !== false) finish(h === true ? undefined : h);
    };
    waiters.add(check);
    // Calls wake the waiter; the poll is for predicates that also look at state outside the sink.
    const poll = setInterval(check, 50);
    const timer = setTimeout(
      () => finish(new Error(`waitFor: not satisfied within ${timeoutMs} ms; ${summary()}`)),
      timeoutMs,
    );
  });
}
