/**
 * Packing a recipient endpoint's outstanding messages into webhook calls (seed §4.6.2, §4.6.3): each call carries
 * at most `maxMessageCount` messages and at most `maxPayloadSize` KB of body, except that a message too large for
 * the limit on its own still goes, alone ("this limit is ignored if a single message cannot be transmitted").
 */

/** Bytes of one array element `{"payload": …}` exactly as it will be sent. */
export interface Sized {
  bytes: number;
}

/** The webhook's `maxPayloadSize` is in KB of 1024 bytes. */
export const KB = 1024;

/** Seed §4.6.3: a call carries at most 50,000 messages whatever the webhook asks for. */
export const MAX_MESSAGES_PER_CALL = 50_000;

/** Body bytes of a call carrying these elements: `[` + elements joined by `,` + `]`. */
export function bodyBytes(items: readonly Sized[]): number {
  let total = 2 + Math.max(0, items.length - 1);
  for (const item of items) total += item.bytes;
  return total;
}

/**
 * The next call: a prefix of `queue` (never reordered, never skipping a message), at least one element when the
 * queue is non-empty. Skipping an oversized message to fill the call with later ones would break the per-endpoint
 * order recipients rely on, so the prefix simply stops at the first message that does not fit.
 */
export function nextBatch<T extends Sized>(queue: readonly T[], maxCount: number, maxBytes: number): T[] {
  checkLimits(maxCount, maxBytes);
  const first = queue[0];
  if (first === undefined) return [];
  // `[` + first + `]`; each further element costs a comma and itself.
  let size = first.bytes + 2;
  let end = 1;
  const countLimit = Math.min(queue.length, Math.floor(maxCount));
  // An oversized first element is sent alone: nothing may join a call that is already over the limit.
  if (size <= maxBytes) {
    while (end < countLimit) {
      const grown = size + 1 + queue[end]!.bytes;
      if (grown > maxBytes) break;
      size = grown;
      end++;
    }
  }
  return queue.slice(0, end);
}

/** The whole queue cut into calls, in order. */
export function batches<T extends Sized>(queue: readonly T[], maxCount: number, maxBytes: number): T[][] {
  checkLimits(maxCount, maxBytes);
  const out: T[][] = [];
  for (let start = 0; start < queue.length;) {
    // Only the next maxCount messages can join a call, so slicing that far keeps the whole cut linear.
    const batch = nextBatch(queue.slice(start, start + Math.floor(maxCount)), maxCount, maxBytes);
    out.push(batch);
    start += batch.length;
  }
  return out;
}

// A limit below one message would make every call "oversized"; that is a configuration error, not a batching rule.
function checkLimits(maxCount: number, maxBytes: number): void {
  if (!(maxCount >= 1)) throw new RangeError(`maxCount must be at least 1, got ${maxCount}`);
  if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${maxBytes}`);
}
