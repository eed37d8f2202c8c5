import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseBody } from '../../src/sink/body.js';
import { factsOf } from '../../src/sink/facts.js';
import { leanFacts } from '../../src/sink/lean.js';

const message = (over: Record<string, unknown> = {}) => ({
  payload: {
    CommonBlock: {
      S0: { interfaceID: 'IF-021', schemaVersion: '011', eventCode: '[ActivePower]' },
      S1: {
        senderUniqueReference: 'S-IF-021-1200000001-SDS-20260101-1',
        senderDIPID: '1200000001',
        senderCorrelationID: null,
        subText: 'a "transactionID":"fake"',
      },
      D0: {
        transactionID: 'T-IF-021-1200000001-SDS-20260101-0000000000000001',
        initialCorrelationID: 'CI-20260101-ab',
      },
    },
    CustomBlock: { note: '{"senderDIPID":"9999999999"}', ...over },
  },
});

test('reading facts without parsing gives what parsing gives', () => {
  const bodies = [
    [message(), message({ x: 1 })],
    [
      {
        transactionID: 'T-1',
        senderUniqueReference: null,
        correlationID: 'CI-1',
        senderID: '1000000001',
        message: 'RCP1001 - x',
      },
    ],
  ];
  for (const items of bodies) {
    for (const indent of [0, 2]) {
      const body = Buffer.from(JSON.stringify(items, null, indent));
      const parsed = parseBody(body, false);
      assert.ok(parsed.ok);
      const lean = leanFacts(body);
      assert.ok(lean.ok);
      assert.equal(lean.kind, parsed.kind);
      assert.deepEqual(
        lean.facts,
        parsed.items.map((i) => factsOf(parsed.kind, i)),
      );
    }
  }
});

test('any message shape reads alike either way (falling back to parsing where bytes cannot say)', () => {
  fc.assert(
    fc.property(fc.string(), fc.option(fc.string()), fc.jsonValue(), (sur, txn, custom) => {
      const m = message();
      (m.payload.CommonBlock.S1 as Record<string, unknown>).senderUniqueReference = sur;
      (m.payload.CommonBlock.D0 as Record<string, unknown>).transactionID = txn;
      (m.payload.CustomBlock as Record<string, unknown>).extra = custom;
      const body = Buffer.from(JSON.stringify([m]));
      const lean = leanFacts(body);
      assert.ok(lean.ok);
      assert.deepEqual(lean.facts, [factsOf('messages', JSON.parse(body.toString())[0])]);
    }),
    { numRuns: 300 },
  );
});

test('a body that is not an array of items is refused', () => {
  assert.equal(leanFacts(Buffer.from('{}')).ok, false);
  assert.equal(leanFacts(Buffer.from('[]')).ok, false);
});

test('names in the CustomBlock are never taken for the CommonBlock facts, whatever the member order', () => {
  const m = message({ transactionID: 'T-FAKE', S1: { senderDIPID: '9999999999' } });
  const customFirst = { payload: { CustomBlock: m.payload.CustomBlock, CommonBlock: m.payload.CommonBlock } };
  const noTxn = message({ D0: { transactionID: 'T-FAKE' } });
  delete (noTxn.payload.CommonBlock.D0 as Record<string, unknown>).transactionID;
  for (const item of [m, customFirst, noTxn]) {
    const body = Buffer.from(JSON.stringify([item]));
    const lean = leanFacts(body);
    assert.ok(lean.ok);
    assert.deepEqual(lean.facts, [factsOf('messages', item)]);
  }
  const facts = (leanFacts(Buffer.from(JSON.stringify([noTxn]))) as { facts: { problem: { code: string } | null }[] })
    .facts;
  assert.equal(facts[0]!.problem?.code, 'RCP1043');
});
