import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_JSON_DEPTH } from '../../src/domain/json.js';
import { countNames, payloadRange, splitJsonArray } from '../../src/domain/json-array.js';

const parts = (text: string): unknown[] => {
  const buf = Buffer.from(text);
  const split = splitJsonArray(buf);
  assert.ok(split.ok, `expected ${text} to split`);
  return split.starts.map((s, i) => JSON.parse(buf.toString('utf8', s, split.ends[i])));
};

test('splitting a JSON array yields exactly what JSON.parse yields, element by element', () => {
  fc.assert(
    fc.property(fc.array(fc.jsonValue()), fc.constantFrom(0, 1, 2), (values, indent) => {
      const text = JSON.stringify(values, null, indent);
      assert.deepEqual(parts(text), JSON.parse(text));
    }),
    { numRuns: 300 },
  );
});

test('strings with brackets, commas, quotes and escapes do not split elements', () => {
  const tricky = ['a,b', '[', '}', '\\', '\\"', 'x\\\\', '"', 'é ✓ 😀'];
  assert.deepEqual(
    parts(JSON.stringify(tricky.map((s) => ({ payload: { s } })))),
    tricky.map((s) => ({ payload: { s } })),
  );
});

test('malformed bodies are refused with the position of the problem', () => {
  const fail = (text: string): string => {
    const split = splitJsonArray(Buffer.from(text));
    assert.equal(split.ok, false, text);
    return (split as { problem: string }).problem;
  };
  assert.match(fail(''), /empty/);
  assert.match(fail('{"payload":{}}'), /must be a JSON array/);
  assert.match(fail('[{"payload":{}}'), /ends before the array is closed/);
  assert.match(fail('[{"payload":"x}]'), /unterminated string/);
  assert.match(fail('[1] 2'), /unexpected data after the array/);
  assert.deepEqual(parts('\ufeff [ ] '), [], 'a byte order mark and whitespace are tolerated');
});

test('the names counted while splitting equal the names JSON.parse keeps, unless a name repeats', () => {
  fc.assert(
    fc.property(fc.array(fc.jsonValue(), { maxLength: 5 }), (values) => {
      const buf = Buffer.from(JSON.stringify(values));
      const split = splitJsonArray(buf);
      assert.ok(split.ok);
      split.starts.forEach((s, i) =>
        assert.equal(split.names[i], countNames(JSON.parse(buf.toString('utf8', s, split.ends[i])))),
      );
    }),
    { numRuns: 200 },
  );
  const repeated = Buffer.from('[{"a":1,"b":{"c":2,"c":3},"a":4}]');
  const split = splitJsonArray(repeated);
  assert.ok(split.ok);
  assert.equal(split.names[0], 5);
  assert.equal(countNames(JSON.parse(repeated.toString('utf8', split.starts[0], split.ends[0]))), 3);
});

test('the payload of {"payload": …} is located byte for byte, whatever the spacing', () => {
  fc.assert(
    fc.property(fc.object(), fc.constantFrom('', ' ', '\n  '), (payload, space) => {
      const inner = JSON.stringify(payload, null, space.length);
      const buf = Buffer.from(`[${space}{${space}"payload"${space}:${space}${inner}${space}}${space}]`);
      const split = splitJsonArray(buf);
      assert.ok(split.ok);
      const { from, to } = payloadRange(buf, split.starts[0]!, split.ends[0]!);
      assert.equal(buf.toString('utf8', from, to), inner);
    }),
    { numRuns: 200 },
  );
});

test('a body that is not UTF-8, or holds too many elements, is refused', () => {
  const bad = splitJsonArray(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]));
  assert.equal(bad.ok, false);
  assert.match((bad as { problem: string }).problem, /not valid UTF-8/);
  const many = splitJsonArray(Buffer.from('[1,2,3]'), 2);
  assert.deepEqual(many, { ok: false, problem: 'more than 2 messages in one request', tooMany: true });
  assert.equal(splitJsonArray(Buffer.from('[1,2]'), 2).ok, true);
});

test('an element nested deeper than any message can be is refused where it goes too deep, before anything parses it', () => {
  const nest = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  // The array around the elements is one level: an element may nest 63 more.
  assert.equal(splitJsonArray(Buffer.from(`[${nest(MAX_JSON_DEPTH - 1)}]`)).ok, true);
  const deep = splitJsonArray(Buffer.from(`[{"payload":{"a":${nest(100_000)}}}]`));
  assert.equal(deep.ok, false);
  assert.equal((deep as { tooDeep?: true }).tooDeep, true);
  assert.match((deep as { problem: string }).problem, /nested more than 64 levels deep at byte 78/);
  assert.equal(splitJsonArray(Buffer.from(`[${nest(MAX_JSON_DEPTH)}]`)).ok, false);
  assert.equal(
    splitJsonArray(Buffer.from(`[{"payload":"${'['.repeat(1000)}"}]`)).ok,
    true,
    'brackets inside strings do not count',
  );
});
