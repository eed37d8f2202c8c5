/**
 * The operator's view of the delivery queue: copies by the state an operator acts on, the filters and
 * cursors of a listing, and which copies a redrive or a release takes. No behaviour beyond the cursor codec.
 */

/**
 * `waiting` is a pending copy whose endpoint is parked until a webhook is configured; `pending` is every
 * other pending copy. `held` and `dead` are the rows' own states.
 */
export const QUEUE_STATES = ['pending', 'waiting', 'held', 'dead'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export interface QueueFilter {
  state: QueueState;
  recipientId: string | null;
  /** The recipient's role (status copies keep the role their recipient sent in, on channel STATUS). */
  role: string | null;
  channel: string | null;
  /** Only copies created at or before this time (epoch ms). */
  createdBefore: number | null;
}

export interface QueuedCopy {
  id: number;
  kind: 'message' | 'status';
  recipientId: string;
  role: string;
  channel: string;
  state: QueueState;
  transactionId: string | null;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
}

/** A listing runs in the order of the deliveries' endpoint indexes, so each page is one index range. */
export type QueueCursor = [recipientId: string, channel: string, role: string, nextAttemptAt: number, id: number];

export const MAX_QUEUE_PAGE = 1_000;
/** Counting stops here and says "at least": a count must never walk a backlog of millions. */
export const QUEUE_COUNT_CAP = 100_000;
/** Copies one redrive or release changes in one transaction; the caller repeats while `more`. */
export const QUEUE_ACTION_BATCH = 5_000;

/** Which copies an operator's action takes: named ones, or every one a filter matches. */
export type CopySelector = { ids: number[] } | { filter: QueueFilter };

export interface QueueActionResult {
  changed: number;
  /** More copies match the filter than one action takes. */
  more: boolean;
}

export const encodeQueueCursor = (c: QueueCursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

export function decodeQueueCursor(text: string): QueueCursor | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 5 &&
      typeof v[0] === 'string' &&
      typeof v[1] === 'string' &&
      typeof v[2] === 'string' &&
      Number.isSafeInteger(v[3]) &&
      Number.isSafeInteger(v[4])
    )
      return v as QueueCursor;
  } catch {
    // not a cursor of ours
  }
  return null;
}

export const cursorOf = (c: QueuedCopy): QueueCursor => [c.recipientId, c.channel, c.role, c.nextAttemptAt, c.id];
