import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_RETRY, nextAttempt, parseRetryAfter, type RetryPolicy } from '../../src/domain/retry.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);
const noJitter = (): number => 0;
const at = (result: ReturnType<typeof nextAttempt>): number => {
  assert.ok('at' in result, `expected a retry, got ${JSON.stringify(result)}`);
  return result.at;
};

test('the default policy is the one documented', () => {
  assert.deepEqual(
    { ...DEFAULT_RETRY },
    { initialDelayMs: 1_000, maxDelayMs: 15 * 60_000, maxPeriodMs: 72 * HOUR, jitter: 0.2 },
  );
});

test('the schedule doubles from the initial delay and is capped', () => {
  const delays = [1, 2, 3, 4, 5, 10, 11, 12, 40, 2_000].map(
    (n) => at(nextAttempt(DEFAULT_RETRY, n, T0, T0, null, noJitter)) - T0,
  );
  assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 512_000, 900_000, 900_000, 900_000, 900_000]);
});

test('jitter only shortens a delay, by at most its fraction', () => {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, jitter: 0.5 };
  assert.equal(at(nextAttempt(policy, 3, T0, T0, null, () => 0)) - T0, 4_000);
  assert.equal(at(nextAttempt(policy, 3, T0, T0, null, () => 0.5)) - T0, 3_000);
  assert.equal(at(nextAttempt(policy, 3, T0, T0, null, () => 0.999999)) - T0, 2_000, 'in whole milliseconds');
  assert.equal(at(nextAttempt({ ...policy, jitter: 0 }, 3, T0, T0, null, () => 0.7)) - T0, 4_000);
});

test('property: the delay lies in [(1 - jitter) × base, base] and grows with the failure count', () => {
  const policy = fc.record({
    initialDelayMs: fc.integer({ min: 1, max: 60_000 }),
    maxDelayMs: fc.integer({ min: 60_000, max: 3_600_000 }),
    maxPeriodMs: fc.constant(1_000 * 24 * HOUR),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  });
  fc.assert(
    fc.property(
      policy,
      fc.integer({ min: 1, max: 80 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (p, failures, r) => {
        const base = Math.min(p.maxDelayMs, p.initialDelayMs * 2 ** (failures - 1));
        const delay = at(nextAttempt(p, failures, T0, T0, null, () => r)) - T0;
        assert.ok(Number.isInteger(delay));
        assert.ok(
          delay <= base + 0.5 && delay >= base * (1 - p.jitter) - 0.5,
          `${delay} outside [${base * (1 - p.jitter)}, ${base}]`,
        );
        const unjittered = (n: number): number => at(nextAttempt({ ...p, jitter: 0 }, n, T0, T0, null, noJitter)) - T0;
        assert.ok(unjittered(failures + 1) >= unjittered(failures));
        assert.ok(unjittered(failures) <= p.maxDelayMs);
      },
    ),
  );
});

test('a Retry-After longer than the back-off is honoured, even beyond the maximum delay', () => {
  assert.equal(at(nextAttempt(DEFAULT_RETRY, 1, T0, T0, 30_000, noJitter)) - T0, 30_000);
  assert.equal(at(nextAttempt(DEFAULT_RETRY, 1, T0, T0, 2 * HOUR, noJitter)) - T0, 2 * HOUR);
  assert.equal(
    at(nextAttempt(DEFAULT_RETRY, 5, T0, T0, 1_000, noJitter)) - T0,
    16_000,
    'a shorter one does not hurry the back-off',
  );
  assert.equal(at(nextAttempt(DEFAULT_RETRY, 5, T0, T0, 0, noJitter)) - T0, 16_000);
});

test('nothing is scheduled after the end of the period; the last attempt is at the deadline', () => {
  const deadline = T0 + DEFAULT_RETRY.maxPeriodMs;
  assert.equal(at(nextAttempt(DEFAULT_RETRY, 300, T0, deadline - 60_000, null, noJitter)), deadline);
  assert.equal(at(nextAttempt(DEFAULT_RETRY, 1, T0, T0, 100 * HOUR, noJitter)), deadline, 'Retry-After too');
  assert.equal(at(nextAttempt(DEFAULT_RETRY, 300, T0, deadline - 1, null, noJitter)), deadline);
});

test('once the period has run out the message is dead-lettered', () => {
  const deadline = T0 + DEFAULT_RETRY.maxPeriodMs;
  assert.deepEqual(nextAttempt(DEFAULT_RETRY, 400, T0, deadline, null, noJitter), { deadLetter: true });
  assert.deepEqual(nextAttempt(DEFAULT_RETRY, 400, T0, deadline + HOUR, 1_000, noJitter), { deadLetter: true });
  const short: RetryPolicy = { ...DEFAULT_RETRY, maxPeriodMs: 10_000 };
  assert.deepEqual(nextAttempt(short, 1, T0, T0 + 10_000, null, noJitter), { deadLetter: true });
});

test('property: a run of failures always ends in the dead-letter queue at the deadline, never later', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 1_000, max: 10 * HOUR }),
      fc.array(fc.option(fc.integer({ min: 0, max: 3 * HOUR })), { minLength: 1, maxLength: 20 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (initialDelayMs, maxPeriodMs, retryAfters, r) => {
        const policy: RetryPolicy = { initialDelayMs, maxDelayMs: 15 * 60_000, maxPeriodMs, jitter: 0.2 };
        const deadline = T0 + maxPeriodMs;
        let now = T0;
        for (let failures = 1; ; failures++) {
          const next = nextAttempt(
            policy,
            failures,
            T0,
            now,
            retryAfters[failures % retryAfters.length] ?? null,
            () => r,
          );
          if ('deadLetter' in next) {
            assert.ok(now >= deadline);
            assert.equal(now, deadline, 'the last attempt happens exactly at the deadline');
            return;
          }
          assert.ok(next.at > now, 'time moves on');
          assert.ok(next.at <= deadline);
          now = next.at;
          assert.ok(failures < 100_000, 'the run terminates');
        }
      },
    ),
  );
});

test('Retry-After in delta-seconds', () => {
  assert.equal(parseRetryAfter('120', T0), 120_000);
  assert.equal(parseRetryAfter(' 0 ', T0), 0);
  assert.equal(parseRetryAfter('9'.repeat(400), T0), Number.MAX_SAFE_INTEGER);
});

test('Retry-After as an HTTP-date, in each of the three forms a recipient must read', () => {
  const now = Date.UTC(1994, 10, 6, 8, 49, 0);
  assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now), 37_000);
  assert.equal(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now), 37_000);
  assert.equal(parseRetryAfter('Sun Nov  6 08:49:37 1994', now), 37_000);
  assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:48:00 GMT', now), 0, 'a date in the past means now');
  assert.equal(parseRetryAfter('Wed, 01 Jan 2070 00:00:00 GMT', Date.UTC(2069, 11, 31, 23, 0, 0)), HOUR);
  // RFC 850's two-digit year: within 50 years ahead it is this century, further ahead it is the last.
  assert.equal(parseRetryAfter('Monday, 01-Jan-70 00:00:00 GMT', Date.UTC(2069, 11, 31, 23, 0, 0)), HOUR);
  assert.equal(parseRetryAfter('Monday, 01-Jan-99 00:00:00 GMT', Date.UTC(2030, 0, 1)), 0);
});

test('Retry-After that is absent or unreadable gives null', () => {
  for (const junk of [
    undefined,
    '',
    'soon',
    '-5',
    '1.5',
    '12s',
    '0x10',
    'Sun, 31 Feb 2024 00:00:00 GMT',
    'Sun, 06 Nov 1994 25:00:00 GMT',
    'Sun, 06 Nov 1994 08:49:37 CET',
    '2024-06-01T12:00:00Z',
    'Sun, 6 Nov 1994 08:49:37 GMT',
  ]) {
    assert.equal(parseRetryAfter(junk, T0), null, JSON.stringify(junk));
  }
});
