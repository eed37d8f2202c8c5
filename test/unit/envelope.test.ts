import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { splitJsonArray } from '../../src/ingress/envelope.js';

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
  assert.deepEqual(parts(JSON.stringify(tricky.map((s) => ({ payload: { s } })))), tricky.map((s) => ({ payload: { s } })));
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
