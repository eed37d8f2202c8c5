import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { KB, batches, bodyBytes, nextBatch, type Sized } from '../../src/domain/batching.js';

interface Msg extends Sized {
  id: number;
}

const queueOf = (sizes: readonly number[]): Msg[] => sizes.map((bytes, id) => ({ id, bytes }));

// The seed's table speaks of whole "100kb" messages in a "1000kb" call; the framing (`[`, `]` and one comma per
// further element) is part of the body, so a message of the table is its element minus two bytes of that framing.
const tableMessage = (kb: number): number => kb * KB - 2;

test("the seed's worked example (§4.6.2), row by row", () => {
  const limit = 1000 * KB;
  const rows: Array<{ size: number; count: number; calls: number[] }> = [
    { size: 100, count: 3, calls: [300] },
    { size: 100, count: 13, calls: [1000, 300] },
    { size: 400, count: 3, calls: [800, 400] },
    { size: 1300, count: 1, calls: [1300] },
    { size: 1300, count: 7, calls: [1300, 1300, 1300, 1300, 1300, 1300, 1300] },
    { size: 5000, count: 1, calls: [5000] },
  ];
  for (const { size, count, calls } of rows) {
    const queue = queueOf(Array.from({ length: count }, () => tableMessage(size)));
    const cut = batches(queue, 50_000, limit);
    assert.deepEqual(
      cut.map((b) => Math.round(bodyBytes(b) / KB)),
      calls,
      `${count} × ${size}kb`,
    );
    assert.deepEqual(
      cut.map((b) => b.length),
      calls.map((kb) => Math.max(1, Math.round(kb / size))),
      `${count} × ${size}kb`,
    );
  }
});

test('the body counts brackets and commas', () => {
  assert.equal(bodyBytes([]), 2);
  assert.equal(bodyBytes([{ bytes: 10 }]), 12);
  assert.equal(bodyBytes([{ bytes: 10 }, { bytes: 5 }, { bytes: 1 }]), 16 + 4);
  const exact = [{ bytes: 4 }, { bytes: 4 }];
  assert.equal(bodyBytes(exact), 11);
  assert.equal(nextBatch(exact, 10, 11).length, 2, 'a body exactly at the limit fits');
  assert.equal(nextBatch(exact, 10, 10).length, 1, 'one byte over does not');
});

test('the message count limit applies as well as the size limit', () => {
  const queue = queueOf([1, 1, 1, 1, 1]);
  assert.deepEqual(
    batches(queue, 2, 1000).map((b) => b.map((m) => m.id)),
    [[0, 1], [2, 3], [4]],
  );
  assert.deepEqual(nextBatch([], 5, 1000), []);
  assert.deepEqual(batches([], 5, 1000), []);
});

test('an oversized message goes alone and never drags others with it', () => {
  const queue = queueOf([10, 5000, 10, 10]);
  assert.deepEqual(
    batches(queue, 100, 100).map((b) => b.map((m) => m.id)),
    [[0], [1], [2, 3]],
  );
});

test('limits below one message are configuration errors', () => {
  assert.throws(() => nextBatch(queueOf([1]), 0, 100), RangeError);
  assert.throws(() => nextBatch(queueOf([1]), 1, 0), RangeError);
  assert.throws(() => batches(queueOf([1]), Number.NaN, 100), RangeError);
});

const arbitraryQueue = fc.array(fc.nat({ max: 2_000 }), { maxLength: 200 }).map(queueOf);
const arbitraryCount = fc.integer({ min: 1, max: 30 });
const arbitraryBytes = fc.integer({ min: 1, max: 5_000 });

test('property: every call is within both limits unless it is one oversized message', () => {
  fc.assert(
    fc.property(arbitraryQueue, arbitraryCount, arbitraryBytes, (queue, maxCount, maxBytes) => {
      for (const batch of batches(queue, maxCount, maxBytes)) {
        assert.ok(batch.length >= 1);
        assert.ok(batch.length <= maxCount);
        if (bodyBytes(batch) > maxBytes) assert.equal(batch.length, 1, 'only a lone message may exceed the size limit');
      }
    }),
  );
});

test('property: order is kept and nothing is lost or duplicated', () => {
  fc.assert(
    fc.property(arbitraryQueue, arbitraryCount, arbitraryBytes, (queue, maxCount, maxBytes) => {
      const flat = batches(queue, maxCount, maxBytes).flat();
      assert.equal(flat.length, queue.length);
      flat.forEach((m, i) => assert.equal(m, queue[i]));
    }),
  );
});

test('property: every call is maximal (the next message would not have fitted)', () => {
  fc.assert(
    fc.property(arbitraryQueue, arbitraryCount, arbitraryBytes, (queue, maxCount, maxBytes) => {
      const cut = batches(queue, maxCount, maxBytes);
      cut.forEach((batch, i) => {
        const following = cut[i + 1]?.[0];
        if (following === undefined) return;
        const grown = [...batch, following];
        assert.ok(
          grown.length > maxCount || bodyBytes(grown) > maxBytes,
          `call ${i} could have taken message ${following.id}`,
        );
      });
    }),
  );
});

test('property: nextBatch is the first call of batches', () => {
  fc.assert(
    fc.property(arbitraryQueue, arbitraryCount, arbitraryBytes, (queue, maxCount, maxBytes) => {
      assert.deepEqual(nextBatch(queue, maxCount, maxBytes), batches(queue, maxCount, maxBytes)[0] ?? []);
    }),
  );
});
