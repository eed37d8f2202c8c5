import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  correlationProblem,
  parseSur,
  sequenceOfTransactionId,
  surProblem,
  transactionId,
} from '../../src/domain/ids.js';
import { formatDateTime, parseDateTime } from '../../src/domain/time.js';

test('a SUR is split into the parts the DIP checks', () => {
  assert.deepEqual(parseSur('S-IF-005-0123456789-SUP-20222313-12345687a1234567a'), {
    family: 'IF',
    number: '005',
    participant: '0123456789',
    role: 'SUP',
    date: '20222313',
    reference: '12345687a1234567a',
  });
  assert.equal(parseSur('S-REP-002A-0123456789-MDS-20240101-x')?.number, '002A');
  assert.equal(parseSur('S-005-0123456789-ADS-20222313-1')?.family, null, 'the IF- prefix is optional');
  assert.equal(parseSur('T-IF-005-0123456789-SUP-20222313-1'), null);
  assert.equal(parseSur(`S-IF-005-0123456789-SUP-20222313-${'a'.repeat(200)}`), null, 'at most 200 characters');
});

test('SUR parts must match the channel, the sender and its role', () => {
  assert.equal(surProblem('S-IF-021-1200000001-SDS-20240101-1', 'IF-021', '1200000001', 'SDS'), null);
  assert.equal(surProblem('S-021-1200000001-SDS-20240101-1', 'IF-021', '1200000001', 'SDS'), null);
  assert.match(surProblem('S-IF-005-1200000001-SDS-20240101-1', 'IF-021', '1200000001', 'SDS')!, /interface part/);
  assert.match(surProblem('S-REP-021-1200000001-SDS-20240101-1', 'IF-021', '1200000001', 'SDS')!, /interface part/);
  assert.match(surProblem('S-IF-021-1200000002-SDS-20240101-1', 'IF-021', '1200000001', 'SDS')!, /participant part/);
  assert.match(surProblem('S-IF-021-1200000001-ADS-20240101-1', 'IF-021', '1200000001', 'SDS')!, /role part/);
  assert.match(surProblem('S-IF-021-1200000001-SDS-2024-01-01-1', 'IF-021', '1200000001', 'SDS')!, /does not match/);
});

test('transaction ids follow the published form and give back their sequence', () => {
  const id = transactionId('IF-021', '1401234567', 'SDS', '20220321', 0x1234cc);
  assert.equal(id, 'T-IF-021-1401234567-SDS-20220321-00000000001234CC');
  assert.ok(id.length <= 65);
  assert.equal(sequenceOfTransactionId(id), 0x1234cc);
  assert.equal(
    sequenceOfTransactionId('T-IF-021-1401234567-SDS-20220321-1234CC0123456789'),
    null,
    'beyond what this DIP issues',
  );
  assert.equal(sequenceOfTransactionId('nonsense'), null);
  assert.ok(transactionId('REP-002A', '1700000001', 'UMSDS', '20240101', Number.MAX_SAFE_INTEGER).length <= 65);
});

test('transaction ids of one sender sort by sequence', () => {
  fc.assert(
    fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (a, b) => {
      const ta = transactionId('IF-021', '1200000001', 'SDS', '20240101', a);
      const tb = transactionId('IF-021', '1200000001', 'SDS', '20240101', b);
      return a < b === ta < tb && (a === b) === (ta === tb);
    }),
  );
});

test('correlation ids the DIP issued are accepted, others are explained', () => {
  assert.equal(correlationProblem('CI-20220401-1234567890123abce123092'), null);
  assert.equal(correlationProblem('CI-BP09-20220401-1234567890123'), null);
  assert.match(correlationProblem('my-own-id')!, /not a DIP workflow correlation id/);
  assert.match(correlationProblem(`CI-20220401-${'a'.repeat(60)}`)!, /at most 60/);
});

test('DT-003 date-times are parsed strictly and written in UTC', () => {
  assert.equal(parseDateTime('2022-03-21T19:05:00+00:00'), Date.UTC(2022, 2, 21, 19, 5, 0));
  assert.equal(parseDateTime('2022-03-21T20:05:00+01:00'), Date.UTC(2022, 2, 21, 19, 5, 0));
  assert.equal(parseDateTime('2022-02-30T19:05:00+00:00'), null, 'no 30th of February');
  assert.equal(parseDateTime('2022-03-21T24:00:00+00:00'), null);
  assert.equal(parseDateTime('2022-03-21 19:05:00+00:00'), null);
  assert.equal(parseDateTime('2022-03-21T19:05:00Z'), null, 'DT-003 is exactly 25 characters');
  assert.equal(formatDateTime(Date.UTC(2024, 0, 2, 3, 4, 5)), '2024-01-02T03:04:05+00:00');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4102444800 }), (s) => parseDateTime(formatDateTime(s * 1000)) === s * 1000),
  );
});
