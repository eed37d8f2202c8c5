/** How deep a JSON body may nest before the DIP refuses it, and the bounded parse of small bodies. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_JSON_DEPTH, parseJsonBody, tooDeepAt } from '../../src/domain/json.js';

const nest = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

test('the depth is counted over objects and arrays, not over brackets inside strings', () => {
  assert.equal(tooDeepAt(Buffer.from(nest(MAX_JSON_DEPTH))), -1);
  assert.equal(
    tooDeepAt(Buffer.from(nest(MAX_JSON_DEPTH + 1))),
    MAX_JSON_DEPTH * 5,
    'the opening brace that is one too many',
  );
  assert.equal(tooDeepAt(Buffer.from(JSON.stringify({ s: '['.repeat(500), t: '"\\"{{{{' }))), -1);
  assert.equal(tooDeepAt(Buffer.from('[[[]]]'), 2), 2);
});

test('any JSON value within the limit parses as JSON.parse would', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 10 }), (value) => {
      const parsed = parseJsonBody(Buffer.from(JSON.stringify(value)));
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.value, JSON.parse(JSON.stringify(value)));
    }),
  );
});

test('a body nested hundreds of thousands of levels deep is refused, not parsed, and says where', () => {
  const parsed = parseJsonBody(Buffer.from(`{"eventCode":${'['.repeat(300_000)}${']'.repeat(300_000)}}`));
  assert.deepEqual(parsed, {
    ok: false,
    problem: 'nested more than 64 levels deep at byte 76; DIP bodies nest far less',
  });
  const broken = parseJsonBody(Buffer.from('{"a": '));
  assert.equal(broken.ok, false);
  assert.match((broken as { problem: string }).problem, /^not valid JSON: /);
});
