/**
 * When to retry a webhook call that failed in a retryable way (seed §4.6.6.1: 408, 429, 5xx except 505, timeouts,
 * refused connections): exponential back-off with jitter, honouring Retry-After, for at most a maximum period from
 * the first failure (the programme's 72-hour outage requirement), then the dead-letter queue.
 */

export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Measured from the first failure of the current run of failures. */
  maxPeriodMs: number;
  /** 0..1: the fraction of a delay that jitter may take off. */
  jitter: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  initialDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  maxPeriodMs: 72 * 3_600_000,
  jitter: 0.2,
});

/**
 * When to try again after the `failures`-th consecutive failure (1-based), or that the message goes to the
 * dead-letter queue.
 *
 * - Back-off is min(maxDelay, initial × 2^(failures−1)), shortened by up to `jitter` of itself. Jitter only ever
 *   shortens, so the cap stays a cap and recipients recovering from an outage are not hit by every sender at once.
 * - A Retry-After longer than that delay wins, even beyond maxDelay: the recipient has said when it can take
 *   traffic, and calling earlier only earns another 429/503. It is still bounded by the end of the period.
 * - Nothing is scheduled after `firstFailureAt + maxPeriodMs`; the last attempt happens at that deadline, and a
 *   failure at or after it dead-letters.
 */
export function nextAttempt(
  policy: RetryPolicy,
  failures: number,
  firstFailureAt: number,
  now: number,
  retryAfterMs: number | null,
  random: () => number,
): { at: number } | { deadLetter: true } {
  const deadline = firstFailureAt + policy.maxPeriodMs;
  if (now >= deadline) return { deadLetter: true };
  const delay = Math.max(backoff(policy, failures, random()), retryAfterMs ?? 0);
  // Whole milliseconds: the time is stored and compared as an integer.
  return { at: Math.min(Math.round(now + delay), deadline) };
}

function backoff(policy: RetryPolicy, failures: number, r: number): number {
  // 2^(failures−1) overflows to Infinity long before failures is unreasonable; min() then gives the cap.
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, failures - 1));
  const jitter = clamp(policy.jitter, 0, 1) * clamp(r, 0, 1);
  return base - base * jitter;
}

const DAY_NAMES = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY_NAMES = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// RFC 9110 §5.6.7: recipients must read all three forms, and only these (Date.parse accepts far more, and reads
// asctime in the local time zone).
const IMF_FIXDATE = new RegExp(`^${DAY_NAMES}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(`^${LONG_DAY_NAMES}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY_NAMES} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** Retry-After as sent (delta-seconds or an HTTP-date) → milliseconds from `now`, or null when absent/unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  const at = parseHttpDate(text, now);
  // A date already past means "now", not "never".
  return at === null ? null : Math.max(0, at - now);
}

function parseHttpDate(text: string, now: number): number | null {
  let m = IMF_FIXDATE.exec(text);
  if (m) return utc(Number(m[3]), m[2]!, Number(m[1]), m.slice(4, 7));
  m = RFC850.exec(text);
  if (m) {
    // A two-digit year more than 50 years ahead is the most recent past year with those digits (RFC 9110).
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(m[3]);
    if (year > thisYear + 50) year -= 100;
    return utc(year, m[2]!, Number(m[1]), m.slice(4, 7));
  }
  m = ASCTIME.exec(text);
  if (m) return utc(Number(m[6]), m[1]!, Number(m[2]!.trim()), m.slice(3, 6));
  return null;
}

function utc(year: number, month: string, day: number, time: (string | undefined)[]): number | null {
  const [h, mi, s] = time.map(Number) as [number, number, number];
  const mo = MONTHS.indexOf(month);
  // Date.UTC rolls 31 Feb over into March; a date that does not exist is unreadable, not a different date.
  const midnight = Date.UTC(year, mo, day);
  if (new Date(midnight).getUTCDate() !== day || h > 23 || mi > 59 || s > 60) return null;
  return midnight + ((h * 60 + mi) * 60 + s) * 1000;
}

function clamp(x: number, lo: number, hi: number): number {
  return Number.isNaN(x) ? lo : Math.min(hi, Math.max(lo, x));
}
