/** The MPAN core's check digit: what the DIP refuses as MSG1039, and what it cannot tell from a valid MPAN. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { isValidMpanCore, mpanCheckDigit, mpanCoreProblem, withCheckDigit } from '../../src/domain/mpan.js';

// The rule as the Data Transfer Catalogue states it, written out independently of the code under test.
const WEIGHTS = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
const weightedSum = (digits: string): number => WEIGHTS.reduce((sum, w, i) => sum + w * Number(digits[i]), 0) % 11;

const twelveDigits = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 12 })
  .map((ds) => ds.join(''));
const validMpan = twelveDigits.map(withCheckDigit);

test('the published example MPAN of DT-002 is valid, and its check digit is the one the rule gives', () => {
  const schemas = loadCatalogue().documents[0]!.components.schemas as Record<string, { example: string }>;
  for (const name of ['DT-002-MPAN', 'DT-002N-MPAN']) {
    const example = schemas[name]!.example;
    assert.equal(example, '2000056535971');
    assert.ok(isValidMpanCore(example), name);
    assert.equal(mpanCheckDigit(example), 1);
    assert.equal(mpanCoreProblem(example), null);
  }
});

test('property: the check digit is the weighted sum of the first twelve digits, mod 11, mod 10', () => {
  fc.assert(
    fc.property(twelveDigits, (twelve) => {
      assert.equal(mpanCheckDigit(twelve), weightedSum(twelve) % 10);
      assert.equal(withCheckDigit(twelve), `${twelve}${weightedSum(twelve) % 10}`);
    }),
  );
});

test('property: every MPAN made with its check digit is valid', () => {
  fc.assert(
    fc.property(validMpan, (mpan) => {
      assert.ok(isValidMpanCore(mpan), mpan);
      assert.equal(mpanCoreProblem(mpan), null);
    }),
  );
});

// Each weight and each change of a digit (1..9) is prime to 11, so a changed digit always changes the sum
// mod 11; only sums of 0 and 10 share a check digit (0), so that is the one change the rule cannot see.
test('property: changing any one digit of a valid MPAN makes it invalid, unless it moves the sum between 0 and 10 mod 11', () => {
  const change = fc.tuple(validMpan, fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 9 }));
  fc.assert(
    fc.property(change, ([mpan, at, by]) => {
      const digit = (Number(mpan[at]) + by) % 10;
      const changed = `${mpan.slice(0, at)}${digit}${mpan.slice(at + 1)}`;
      const sums = [weightedSum(mpan), weightedSum(changed)].sort((a, b) => a - b);
      const blind = at < 12 && sums[0] === 0 && sums[1] === 10;
      assert.equal(isValidMpanCore(changed), blind, `${mpan} → ${changed}`);
      if (!blind)
        assert.match(
          mpanCoreProblem(changed)!,
          new RegExp(`check digit \\(the 13th digit\\) should be ${mpanCheckDigit(changed)}`),
        );
    }),
    { numRuns: 2000 },
  );
});

test('the change the rule cannot see exists: 1900000000040 and 8900000000040 are both valid', () => {
  assert.deepEqual([weightedSum('1900000000040'), weightedSum('8900000000040')], [0, 10]);
  assert.ok(isValidMpanCore('1900000000040'));
  assert.ok(isValidMpanCore('8900000000040'));
});

test('anything but 13 ASCII digits is not an MPAN core', () => {
  for (const value of [
    '',
    '190000000001',
    '19000000000133',
    '190000000001a',
    '19000000000１3',
    '١٩٠٠٠٠٠٠٠٠٠١٣',
    ' 1900000000013',
    '+900000000013',
  ]) {
    assert.equal(isValidMpanCore(value), false, JSON.stringify(value));
    assert.equal(mpanCoreProblem(value), 'an MPAN core is 13 digits', JSON.stringify(value));
  }
  assert.throws(() => withCheckDigit('19000000001'), /starts with 12 digits/);
  assert.throws(() => withCheckDigit('1900000000013'), /starts with 12 digits/);
});

test('an MPAN with a wrong check digit is told the digit it should have', () => {
  assert.equal(isValidMpanCore('1900000000015'), false);
  assert.equal(
    mpanCoreProblem('1900000000015'),
    'its check digit (the 13th digit) should be 3; look for a mistyped or transposed digit',
  );
});
