import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIGITS, parsePattern } from '../../src/domain/pattern.js';

test('a schema pattern reads as alternatives of quantified character choices and groups', () => {
  assert.deepEqual(parsePattern('^[A-C]\\d{2,3}?(?:-x|y)*$'), [
    [
      { atom: { kind: 'set', chars: 'ABC' }, min: 1, max: 1 },
      { atom: { kind: 'set', chars: DIGITS }, min: 2, max: 3 },
      {
        atom: {
          kind: 'group',
          alts: [
            [
              { atom: { kind: 'set', chars: '-' }, min: 1, max: 1 },
              { atom: { kind: 'set', chars: 'x' }, min: 1, max: 1 },
            ],
            [{ atom: { kind: 'set', chars: 'y' }, min: 1, max: 1 }],
          ],
        },
        min: 0,
        max: Infinity,
      },
    ],
  ]);
  assert.deepEqual(
    parsePattern('a|b').map((alt) => alt.length),
    [1, 1],
  );
  const chars = parsePattern('\\w.\\$')[0]!.map((t) => (t.atom.kind === 'set' ? t.atom.chars : ''));
  assert.ok(/^\w+$/.test(chars[0]!) && chars[0]!.includes('_'));
  assert.ok(chars[1]!.includes('x'));
  assert.equal(chars[2], '$', 'an escaped $ at the end is a literal, not an anchor');
});

test('constructs a value cannot be built from are refused, saying where', () => {
  for (const [pattern, what] of [
    ['^a{3,1}$', /quantifier \{3,1\}/],
    ['[^a]', /negated class/],
    ['[z-a]', /range z-a/],
    ['a^b', /'\^' at offset 2/],
    ['(a', /unterminated group/],
  ] as const) {
    assert.throws(() => parsePattern(pattern), what, pattern);
  }
});
