import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { classify } from '../../src/delivery/classify.js';
import { arrayBody, egressElement, withDipBlocks, type DipBlock } from '../../src/delivery/egress.js';

const d0: DipBlock = {
  transactionID: 'T-IF-021-1200000001-SDS-20260101-0000000000000001',
  transactionTimestamp: '2026-01-01T00:00:00+00:00',
  publicationID: 'PUB-021',
  initialCorrelationID: null,
  replayIndicator: false,
  serviceTicketURL: null,
};
const a0 = { primaryRecipients: [], secondaryRecipients: ['1000000001'], always: ['1700000001'] };

test('D0 and A0 are written into the CommonBlock; everything else stays byte for byte', () => {
  const payload = {
    CommonBlock: {
      S0: { interfaceID: 'IF-021' },
      A0: { primaryRecipients: ['x'] },
      D0: { transactionID: 'forged' },
      S1: { a: 'b' },
    },
    CustomBlock: { B: [1, 'two', { c: null }] },
  };
  const out = JSON.parse(
    withDipBlocks(Buffer.from(JSON.stringify(payload, null, 2)), a0, d0).toString(),
  ) as typeof payload;
  assert.deepEqual(out, {
    CommonBlock: { S0: payload.CommonBlock.S0, S1: payload.CommonBlock.S1, A0: a0, D0: d0 },
    CustomBlock: payload.CustomBlock,
  });
  const raw = Buffer.from('{"CustomBlock":{"x":"}{,\\"]"},  "Common\\u0042lock" : { "S0" : {"k":1} } }');
  const spliced = JSON.parse(withDipBlocks(raw, null, d0).toString()) as Record<string, unknown>;
  assert.deepEqual(
    spliced,
    { CustomBlock: { x: '}{,"]' }, CommonBlock: { S0: { k: 1 }, D0: d0 } },
    'escaped names and tricky strings are handled',
  );
});

test('any CommonBlock keeps its members and gains exactly the DIP blocks', () => {
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.string().filter((k) => k !== 'A0' && k !== 'D0' && k !== '__proto__'),
        fc.jsonValue(),
        { maxKeys: 6 },
      ),
      fc.jsonValue(),
      fc.constantFrom(0, 2),
      (members, custom, indent) => {
        const text = JSON.stringify({ CommonBlock: members, CustomBlock: custom }, null, indent);
        const out = JSON.parse(withDipBlocks(Buffer.from(text), a0, d0).toString()) as {
          CommonBlock: Record<string, unknown>;
          CustomBlock: unknown;
        };
        assert.deepEqual(out.CommonBlock, {
          ...(JSON.parse(text) as { CommonBlock: object }).CommonBlock,
          A0: a0,
          D0: d0,
        });
        assert.deepEqual(out.CustomBlock, (JSON.parse(text) as { CustomBlock: unknown }).CustomBlock);
      },
    ),
    { numRuns: 200 },
  );
});

test('webhook bodies are arrays of {"payload": …}', () => {
  const body = arrayBody([egressElement(Buffer.from('{"a":1}')), egressElement(Buffer.from('{"b":2}'))]).toString();
  assert.equal(body, '[{"payload":{"a":1}},{"payload":{"b":2}}]');
  assert.equal(arrayBody([]).toString(), '[]');
});

test("a webhook's answer decides each message's fate as seed §4.6.6.1 says", () => {
  const ids = ['T1', 'T2'];
  const outcomes = (status: number, text = '') =>
    classify({ kind: 'response', status, retryAfter: undefined, text }, ids).verdicts.map((v) => v.outcome);
  assert.deepEqual(outcomes(201), ['delivered', 'delivered']);
  assert.deepEqual(
    outcomes(
      207,
      JSON.stringify({
        messageArray: [
          { transactionID: 'T2', message: 'RCP1001 - Schema Failure' },
          { transactionID: 'T1', message: 'RCP0000 - Message Success' },
        ],
      }),
    ),
    ['delivered', 'rejected'],
  );
  assert.deepEqual(
    outcomes(207, 'not json'),
    ['delivered', 'delivered'],
    'an unreadable 207 still says the calls arrived',
  );
  for (const s of [400, 405, 406]) assert.deepEqual(outcomes(s), ['rejected', 'rejected'], String(s));
  for (const s of [401, 403, 404, 413, 505]) assert.deepEqual(outcomes(s), ['held', 'held'], String(s));
  for (const s of [408, 429, 500, 502, 503, 504]) assert.deepEqual(outcomes(s), ['retry', 'retry'], String(s));
  const timeout = classify({ kind: 'error', reason: 'timeout', detail: 'slow' }, ids);
  assert.deepEqual(
    timeout.verdicts.map((v) => v.outcome),
    ['retry', 'retry'],
  );
  assert.equal(timeout.healthy, false);
  const rejected = classify(
    {
      kind: 'response',
      status: 207,
      retryAfter: undefined,
      text: JSON.stringify([
        { transactionID: 'T1', message: 'REG1020 Meter Install Date cannot be in the future', help: 'fix it' },
      ]),
    },
    ['T1'],
  );
  assert.deepEqual(rejected.verdicts[0], {
    outcome: 'rejected',
    message: 'REG1020 Meter Install Date cannot be in the future',
    help: 'fix it',
  });
  assert.equal(classify({ kind: 'response', status: 429, retryAfter: '30', text: '' }, ids).retryAfter, '30');
});
