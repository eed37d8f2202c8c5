import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CLOSED,
  DEFAULT_BREAKER,
  admit,
  onFailure,
  onSuccess,
  type Breaker,
  type BreakerPolicy,
} from '../../src/domain/breaker.js';

const P: BreakerPolicy = DEFAULT_BREAKER;

test('the default policy is the one documented', () => {
  assert.deepEqual({ ...DEFAULT_BREAKER }, { failureThreshold: 5, openMs: 5_000, maxOpenMs: 300_000 });
  assert.deepEqual(CLOSED, { state: 'closed', failures: 0 });
});

test('a closed breaker admits, and opens on the fifth consecutive failure', () => {
  let b = CLOSED;
  for (let i = 1; i <= 4; i++) {
    b = onFailure(b, 1_000, P);
    assert.deepEqual(b, { state: 'closed', failures: i });
    assert.equal(admit(b, 1_000).allowed, true);
  }
  b = onFailure(b, 1_000, P);
  assert.deepEqual(b, { state: 'open', failures: 5, trips: 1, until: 6_000 });
});

test('a success in between resets the count', () => {
  let b = CLOSED;
  for (let i = 0; i < 4; i++) b = onFailure(b, 0, P);
  b = onSuccess(b);
  for (let i = 0; i < 4; i++) b = onFailure(b, 0, P);
  assert.equal(b.state, 'closed');
});

test('open until its time is up, then exactly one trial; failing trials double the open time up to the cap', () => {
  let b: Breaker = { state: 'open', failures: 5, trips: 1, until: 6_000 };
  assert.deepEqual(admit(b, 5_999), { allowed: false, breaker: b });
  let r = admit(b, 6_000);
  assert.deepEqual(r, { allowed: true, breaker: { state: 'half-open', trips: 1 } });
  assert.equal(admit(r.breaker, 6_001).allowed, false, 'only one trial at a time');
  assert.equal(admit(r.breaker, 1e12).allowed, false, 'however long it takes');
  const opens: number[] = [];
  let now = 6_000;
  b = r.breaker;
  for (let i = 0; i < 10; i++) {
    b = onFailure(b, now, P);
    assert.equal(b.state, 'open');
    opens.push(b.until - now);
    now = b.until;
    r = admit(b, now);
    assert.equal(r.allowed, true);
    b = r.breaker;
  }
  assert.deepEqual(opens, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000, 300_000, 300_000]);
  assert.deepEqual(onSuccess(b), CLOSED, 'a successful trial closes and resets');
});

test('a late failure while open does not extend the open period', () => {
  const b: Breaker = { state: 'open', failures: 5, trips: 2, until: 20_000 };
  assert.deepEqual(onFailure(b, 19_000, P), { state: 'open', failures: 6, trips: 2, until: 20_000 });
});

// Mostly failures and short steps, so that runs trip the breaker, find it open, probe it and fail trials in a row.
const step = fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 400_000 }));
const events = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('call' as const),
        dt: step,
        ok: fc.constantFrom(false, false, false, true),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const), dt: step }) },
  ),
  { minLength: 20, maxLength: 300, size: 'large' },
);
const policies = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 8 }),
  openMs: fc.integer({ min: 1, max: 10_000 }),
  maxOpenMs: fc.integer({ min: 10_000, max: 600_000 }),
});

test('property: the transitions over random event sequences', () => {
  fc.assert(
    fc.property(policies, events, (policy, sequence) => {
      let b = CLOSED;
      let now = 0;
      let lastOpen = 0;
      for (const event of sequence) {
        now += event.dt;
        if (event.kind === 'wait') continue;
        const before = b;
        const { allowed, breaker } = admit(b, now);
        if (before.state === 'open' && now < before.until)
          assert.equal(allowed, false, 'never admits while open before until');
        if (before.state === 'half-open')
          assert.equal(allowed, false, 'a half-open breaker has its one trial out already');
        if (before.state === 'closed') assert.equal(allowed, true);
        if (before.state === 'open' && now >= before.until)
          assert.deepEqual(breaker, { state: 'half-open', trips: before.trips });
        b = breaker;
        if (!allowed) {
          assert.deepEqual(breaker, before, 'refusing changes nothing');
          continue;
        }
        if (event.ok) {
          b = onSuccess(b);
          assert.deepEqual(b, CLOSED, 'success closes');
          continue;
        }
        const trial = b.state === 'half-open' ? b : null;
        b = onFailure(b, now, policy);
        if (trial !== null) {
          assert.equal(b.state, 'open');
          if (b.state !== 'open') return;
          assert.equal(b.trips, trial.trips + 1);
          const open = b.until - now;
          assert.equal(
            open,
            Math.min(policy.maxOpenMs, 2 * lastOpen),
            'a failed trial reopens for twice as long, up to the cap',
          );
          lastOpen = open;
        } else if (b.state === 'open') {
          assert.equal(b.failures, policy.failureThreshold, 'opens on exactly the threshold-th consecutive failure');
          assert.equal(b.until - now, Math.min(policy.maxOpenMs, policy.openMs));
          lastOpen = b.until - now;
        } else {
          assert.equal(b.state, 'closed');
          if (b.state === 'closed') assert.ok(b.failures < policy.failureThreshold);
        }
      }
    }),
  );
});

test('property: whatever happens, the open time stays within [openMs, maxOpenMs]', () => {
  fc.assert(
    fc.property(policies, events, (policy, sequence) => {
      let b = CLOSED;
      let now = 0;
      for (const event of sequence) {
        now += event.dt;
        if (event.kind === 'wait') continue;
        const r = admit(b, now);
        b = r.breaker;
        if (!r.allowed) {
          // Late outcomes of calls admitted earlier may still arrive while the breaker is open.
          if (b.state === 'open' && !event.ok) b = onFailure(b, now, policy);
          continue;
        }
        b = event.ok ? onSuccess(b) : onFailure(b, now, policy);
        if (b.state === 'open' && b.until > now) {
          assert.ok(b.until - now >= Math.min(policy.openMs, policy.maxOpenMs));
          assert.ok(b.until - now <= policy.maxOpenMs);
        }
      }
    }),
  );
});
