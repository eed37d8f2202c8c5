import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileCanonicaliser, getProperty, isClosedSchema } from '../../src/validation/canonical.js';

const doc = {
  components: {
    schemas: {
      Leaf: {
        type: 'object',
        additionalProperties: false,
        properties: {
          CommonBlock: { $ref: '#/components/schemas/Common' },
          List: { type: 'array', items: { $ref: '#/components/schemas/Item' } },
        },
      },
      Common: {
        type: 'object',
        additionalProperties: false,
        properties: { interfaceID: { type: 'string' }, senderDIPID: { type: 'string' } },
      },
      Item: { type: 'object', properties: { MPANCore: { type: 'string' } } },
    },
  },
};

test('field names are matched case-insensitively and written canonically, in their original order', () => {
  const canon = compileCanonicaliser(doc, doc.components.schemas.Leaf);
  const { value: out, changed } = canon({
    commonblock: { SenderDipId: '1', InterfaceID: 'IF-001' },
    list: [{ mpancore: '1' }, { MPANCore: '2' }],
  });
  assert.equal(changed, true);
  assert.deepEqual(out, {
    CommonBlock: { senderDIPID: '1', interfaceID: 'IF-001' },
    List: [{ MPANCore: '1' }, { MPANCore: '2' }],
  });
  assert.deepEqual(Object.keys((out as { CommonBlock: object }).CommonBlock), ['senderDIPID', 'interfaceID']);
});

test('values are never changed, unknown keys stay for the schema to reject, exact spelling wins', () => {
  const canon = compileCanonicaliser(doc, doc.components.schemas.Leaf);
  const input = { CommonBlock: { interfaceID: 'if-001', interfaceid: 'other', extra: 1 } };
  assert.deepEqual(canon(input).value, { CommonBlock: { interfaceID: 'if-001', interfaceid: 'other', extra: 1 } });
  const same = { CommonBlock: { interfaceID: 'IF-001' } };
  assert.deepEqual(canon(same), { value: same, changed: false }, 'an already canonical document is returned as is');
  const nested = canon({ CommonBlock: { InterfaceID: 'IF-001' } });
  assert.equal(nested.changed, true, 'a rename deep inside is reported');
  assert.deepEqual(nested.value, { CommonBlock: { interfaceID: 'IF-001' } });
  const twoSpellings = canon({ CommonBlock: { SenderDIPID: 'a', SENDERDIPID: 'b' } }).value;
  assert.deepEqual(
    twoSpellings,
    { CommonBlock: { senderDIPID: 'a', SENDERDIPID: 'b' } },
    'a second spelling stays, for the schema to refuse',
  );
});

test('a __proto__ key from JSON stays data', () => {
  const canon = compileCanonicaliser(doc, doc.components.schemas.Leaf);
  const out = canon(JSON.parse('{"commonBlock": {"__proto__": {"polluted": true}, "INTERFACEID": "x"}}'))
    .value as Record<string, Record<string, unknown>>;
  assert.equal(Object.getPrototypeOf(out.CommonBlock), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(out.CommonBlock, '__proto__'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('closed schemas are recognised', () => {
  assert.equal(isClosedSchema(doc, doc.components.schemas.Common), true);
  assert.equal(isClosedSchema(doc, doc.components.schemas.Leaf), false, 'Item does not forbid other properties');
  assert.equal(getProperty({ InterfaceID: 1 }, 'interfaceID'), 1);
  assert.equal(getProperty({}, 'constructor'), undefined);
});
