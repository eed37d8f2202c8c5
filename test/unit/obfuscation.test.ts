import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { leafSchemaNames, type JsonObject } from '../../src/catalogue/catalogue.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { buildPayload, leafFor } from '../../src/catalogue/messages.js';
import { createPayloadBuilder } from '../../src/delivery/payloads.js';
import type { ArchivedMessage } from '../../src/domain/archive.js';
import { samplePayload } from '../../src/catalogue/sample.js';
import { compileObfuscator, missingPointers, obfuscate, type Schemas } from '../../src/domain/obfuscation.js';
import { createSchemaRegistry } from '../../src/validation/schemas.js';

// The document as the DIP validates it (errata applied), and the DIP's own compiled validators.
const catalogue = loadCatalogue();
const doc = catalogue.documents[0]!;
const registry = createSchemaRegistry(catalogue);
const schemas = doc.components.schemas;
const leaves = leafSchemaNames(doc);

const isNode = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
function deref(node: unknown): JsonObject {
  let current = node;
  while (isNode(current) && typeof current.$ref === 'string')
    current = schemas[current.$ref.replace('#/components/schemas/', '')];
  assert.ok(isNode(current));
  return current;
}

function assertValid(leaf: string, payload: unknown, label: string): void {
  const compiled = registry.forLeaf({ document: 0, schemaName: leaf });
  assert.ok(
    compiled.validate(payload),
    `${leaf} (${label}) is invalid after obfuscation:\n${compiled.explain(payload).join('\n')}`,
  );
}

/** Every top-level block of the leaf's CustomBlock (a few messages have none), and M0. */
function allBlocks(leaf: string): string[] {
  const custom = deref(deref(schemas[leaf]).properties).CustomBlock;
  const blocks = custom === undefined ? [] : Object.keys(deref(deref(custom).properties));
  return [...blocks.map((key) => `/CustomBlock/${key}`), '/CommonBlock/M0'];
}

const SENTINEL = '\u0000 not a placeholder';

/** The same payload with every string replaced by SENTINEL: what it becomes shows each field's placeholder. */
function poisoned(value: unknown): unknown {
  if (typeof value === 'string') return SENTINEL;
  if (Array.isArray(value)) return value.map(poisoned);
  if (isNode(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poisoned(v)]));
  return value;
}

/**
 * Walks the original, its obfuscated copy and the obfuscated poisoned payload together: outside the pointers
 * nothing changes; under them nulls stay null, numbers stay, booleans become true, and each string becomes its
 * field's placeholder whatever it held (so it differs from the original unless the original was the placeholder).
 */
function compare(
  schema: unknown,
  original: unknown,
  copy: unknown,
  reference: unknown,
  path: string,
  pointers: readonly string[],
): void {
  const covered = pointers.some((p) => path === p || path.startsWith(p + '/'));
  if (!covered && !pointers.some((p) => p.startsWith(path + '/'))) {
    assert.deepEqual(copy, original, `${path} is outside the pointers and must not change`);
    return;
  }
  const node = deref(schema);
  if (Array.isArray(original)) {
    assert.ok(
      Array.isArray(copy) && Array.isArray(reference) && copy.length === original.length,
      `${path}: array shape changed`,
    );
    original.forEach((item, i) => compare(node.items, item, copy[i], reference[i], path, pointers));
    return;
  }
  if (isNode(original)) {
    assert.ok(isNode(copy) && isNode(reference), `${path}: object became ${JSON.stringify(copy)}`);
    assert.deepEqual(Object.keys(copy), Object.keys(original), `${path}: fields changed`);
    for (const key of Object.keys(original)) {
      compare(deref(node.properties)[key], original[key], copy[key], reference[key], `${path}/${key}`, pointers);
    }
    return;
  }
  assert.ok(covered);
  if (original === null || typeof original === 'number') assert.equal(copy, original, `${path}: null and numbers stay`);
  else if (typeof original === 'boolean') assert.equal(copy, true, `${path}: booleans become true`);
  else {
    assert.notEqual(reference, SENTINEL, `${path} was not obfuscated`);
    assert.equal(copy, reference, `${path}: '${String(original)}' did not become the field's placeholder`);
  }
}

test('there are 126 leaf message schemas', () => {
  assert.equal(leaves.length, 126);
  assert.equal(new Set(leaves).size, 126);
});

describe('obfuscating every block of every leaf message keeps it valid', () => {
  for (const leaf of leaves) {
    test(leaf, () => {
      const pointers = allBlocks(leaf);
      const run = compileObfuscator(doc, leaf, pointers);
      fc.assert(
        fc.property(fc.nat(), fc.constantFrom('full' as const, 'minimal' as const), (seed, fill) => {
          const payload = samplePayload(doc, leaf, { fill, seed });
          const before = structuredClone(payload);
          const copy = run(payload);
          assert.deepEqual(payload, before, 'the original is left untouched');
          assertValid(leaf, copy, `${fill}, seed ${seed}`);
          const reference = run(poisoned(payload) as Record<string, unknown>);
          compare(schemas[leaf], payload, copy, reference, '', pointers);
        }),
        { numRuns: 6, includeErrorInReport: true },
      );
    });
  }
});

// ---- the rules one by one, on a small document --------------------------------------------------------------

const mini: Schemas = {
  components: {
    schemas: {
      'DT-003-DateTime': { description: 'ISO 8601 Date/time', type: 'string', minLength: 25, maxLength: 25 },
      'DT-021N-Date': { description: 'ISO 8601 Date', type: 'string', nullable: true, minLength: 10, maxLength: 10 },
      'DT-006-DIPParticipantID': { type: 'string', minLength: 10, maxLength: 10 },
      'DT-002-MPAN': { type: 'string', minLength: 13, maxLength: 13, pattern: '^\\d{13}?$' },
      'DT-016-Decimal-9-3': { type: 'string', pattern: '^-?\\d{1,9}\\.\\d{3}$' },
      Item: { type: 'object', properties: { code: { type: 'string', maxLength: 3 }, n: { type: 'integer' } } },
      Block: {
        type: 'object',
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 12 },
          when: { $ref: '#/components/schemas/DT-003-DateTime' },
          day: { $ref: '#/components/schemas/DT-021N-Date' },
          who: { $ref: '#/components/schemas/DT-006-DIPParticipantID' },
          flag: { type: 'boolean' },
          amount: { type: 'number' },
          kind: { type: 'string', enum: ['B', 'A'] },
          mpan: { $ref: '#/components/schemas/DT-002-MPAN' },
          kwh: { $ref: '#/components/schemas/DT-016-Decimal-9-3' },
          mpid: { type: 'string', pattern: '^[A-Z]{4}$' },
          sur: { type: 'string', maxLength: 40, pattern: '^S-((IF|REP)-)?\\d{3,4}[A-B]?-[A-Z]{3,5}-[a-zA-Z0-9]+$' },
          mail: { type: 'string', format: 'email', maxLength: 100 },
          report: { type: 'string', format: 'byte' },
          free: { type: 'string' },
          items: { type: 'array', items: { $ref: '#/components/schemas/Item' } },
        },
      },
      Msg: {
        type: 'object',
        properties: {
          Header: { type: 'object', properties: { id: { type: 'string', maxLength: 5 } } },
          Body: {
            type: 'object',
            properties: { B1: { $ref: '#/components/schemas/Block' }, B2: { $ref: '#/components/schemas/Block' } },
          },
        },
      },
    },
  },
};

const block = {
  name: 'Jane Smith',
  when: '2024-03-21T19:05:00+00:00',
  day: '2024-03-21',
  who: '1200000001',
  flag: false,
  amount: 12.5,
  kind: 'A',
  mpan: '1234567890126',
  kwh: '-12.500',
  mpid: 'EMEB',
  sur: 'S-IF-021-SDS-abc',
  mail: 'jane@example.com',
  report: 'eJyrVspLzE1VslJQSsrPz1GqBQAojwU5',
  free: 'anything',
  items: [
    { code: 'AB', n: 7 },
    { code: 'C', n: 8 },
  ],
};
const message = (): Record<string, unknown> => ({
  Header: { id: 'H1' },
  Body: { B1: structuredClone(block), B2: structuredClone(block) },
});
const b1 = (out: Record<string, unknown>): JsonObject => (out.Body as JsonObject).B1 as JsonObject;

test('each replacement rule', () => {
  const out = b1(obfuscate(mini, 'Msg', message(), ['/Body/B1']));
  assert.equal(out.name, 'x'.repeat(12), 'strings: x to the maximum length');
  assert.equal(out.when, '1900-01-01T00:00:00+00:00', 'date-times');
  assert.equal(out.day, '1900-01-01', 'dates');
  assert.equal(out.who, '9999999999', 'DIP participant ids');
  assert.equal(out.flag, true, 'booleans');
  assert.equal(out.amount, 12.5, 'numbers unchanged');
  assert.equal(out.kind, 'B', 'an enum takes its first value');
  assert.equal(out.mpan, '9999999999999', 'a pattern gets a value of its own shape');
  assert.equal(out.kwh, '999999999.999', 'optional parts such as a sign are left out');
  assert.equal(out.mpid, 'XXXX');
  assert.equal(out.sur, 'S-9999-XXXXX-' + 'x'.repeat(40 - 13), 'unbounded repetitions fill the maximum length');
  assert.equal(out.mail, 'xxxxxxxx@example.invalid');
  assert.equal(out.report, 'xxxx');
  assert.equal(out.free, 'x', 'no maximum length: one x');
  assert.deepEqual(
    out.items,
    [
      { code: 'xxx', n: 7 },
      { code: 'xxx', n: 8 },
    ],
    'arrays are followed element by element',
  );
});

test('null stays null, and only the pointed-at fields change', () => {
  const input = message();
  (((input.Body as JsonObject).B1 as JsonObject).day as unknown) = null;
  const out = obfuscate(mini, 'Msg', input, ['/Body/B1/day', '/Body/B1/items/code', '/Body/B1/when']);
  assert.deepEqual(out, {
    Header: { id: 'H1' },
    Body: {
      B1: {
        ...block,
        day: null,
        when: '1900-01-01T00:00:00+00:00',
        items: [
          { code: 'xxx', n: 7 },
          { code: 'xxx', n: 8 },
        ],
      },
      B2: block,
    },
  });
});

test('the original is left untouched and shares nothing with the copy', () => {
  const input = message();
  const before = structuredClone(input);
  const out = obfuscate(mini, 'Msg', input, ['/Body/B1/name']);
  assert.deepEqual(input, before);
  (out.Header as JsonObject).id = 'changed';
  (b1(out).items as JsonObject[])[0]!.code = 'changed';
  ((out.Body as JsonObject).B2 as JsonObject).name = 'changed';
  assert.deepEqual(input, before);
  const untouched = compileObfuscator(mini, 'Msg', [])(input);
  assert.deepEqual(untouched, input);
  assert.notEqual(untouched.Body, input.Body);
});

test('pointers: absent fields, unknown fields, the whole message, escapes', () => {
  const input = message();
  delete (input.Body as JsonObject).B2;
  const out = obfuscate(mini, 'Msg', input, ['/Body/B2', '/Body/B9/x', '/Body/B1/nothing/here', '/Header/id/deeper']);
  assert.deepEqual(out, input, 'absent from the payload or from the schema: ignored');
  assert.deepEqual(
    missingPointers(mini, 'Msg', ['/Body/B2', '/Body/B9/x', '/Body/B1/items/code', '/Header/id/deeper']),
    ['/Body/B9/x', '/Header/id/deeper'],
  );
  const everything = obfuscate(mini, 'Msg', message(), ['']);
  assert.deepEqual(everything.Header, { id: 'xxxxx' });
  assert.equal(b1(everything).name, 'x'.repeat(12));
  assert.throws(() => obfuscate(mini, 'Msg', message(), ['Body/B1']), /JSON pointer/);
  assert.throws(() => obfuscate(mini, 'Nope', message(), ['/Body']), /unknown schema/);
  const escaped: Schemas = {
    components: {
      schemas: {
        M: { type: 'object', properties: { 'a/b': { type: 'string', maxLength: 2 }, 'c~d': { type: 'boolean' } } },
      },
    },
  };
  assert.deepEqual(obfuscate(escaped, 'M', { 'a/b': 'hi', 'c~d': false }, ['/a~1b', '/c~0d']), {
    'a/b': 'xx',
    'c~d': true,
  });
});

test('fields the schema does not declare, and values of an unexpected shape, still get obfuscated', () => {
  const open: Schemas = {
    components: {
      schemas: {
        M: {
          type: 'object',
          properties: { b: { type: 'object', properties: { s: { type: 'string', maxLength: 3 } } } },
        },
      },
    },
  };
  const input = JSON.parse(
    '{"b": {"s": {"deep": "secret"}, "extra": ["secret", false, 3], "__proto__": "secret"}}',
  ) as Record<string, unknown>;
  const out = obfuscate(open, 'M', input, ['/b']);
  assert.equal(JSON.stringify(out), '{"b":{"s":{"deep":"x"},"extra":["x",true,3],"__proto__":"x"}}');
});

test('a schema no placeholder can satisfy fails when compiled, not when a message is sent', () => {
  const bad = (node: unknown): Schemas => ({
    components: { schemas: { M: { type: 'object', properties: { f: node } } } },
  });
  assert.throws(() => compileObfuscator(bad({ type: 'string', format: 'ipv6' }), 'M', ['/f']), /format 'ipv6'/);
  assert.throws(
    () => compileObfuscator(bad({ type: 'string', pattern: '^(?=x)x$' }), 'M', ['/f']),
    /unsupported regex construct '\(\?' at offset 1 in/,
  );
  assert.throws(() => compileObfuscator(bad({ type: 'string', enum: ['toolong'], maxLength: 3 }), 'M', ['/f']), /enum/);
  assert.throws(
    () => compileObfuscator(bad({ oneOf: [{ type: 'string' }, { type: 'number' }] }), 'M', ['/f']),
    /oneOf/,
  );
  assert.doesNotThrow(
    () => compileObfuscator(bad({ type: 'string', format: 'ipv6' }), 'M', ['/g']),
    'only covered fields need a placeholder',
  );
});

test('format placeholders are valid for ajv-formats', () => {
  const ajv = new Ajv({ strict: false });
  addFormatsModule.default(ajv);
  for (const format of ['email', 'uri', 'uri-reference', 'hostname', 'date', 'date-time', 'time', 'uuid', 'byte']) {
    const schema = { type: 'string', format };
    const value = obfuscate(
      { components: { schemas: { M: { type: 'object', properties: { f: schema } } } } },
      'M',
      { f: 'original' },
      ['/f'],
    ).f;
    assert.ok(ajv.validate(schema, value), `${format}: ${String(value)}`);
  }
});

test('every pattern in the document gets a placeholder that matches it', () => {
  const patterns = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (isNode(n)) {
      if (typeof n.pattern === 'string') patterns.add(n.pattern);
      Object.values(n).forEach(walk);
    }
  };
  walk(schemas);
  assert.ok(patterns.size >= 15);
  for (const pattern of patterns) {
    for (const maxLength of [undefined, 200]) {
      const field = maxLength === undefined ? { type: 'string', pattern } : { type: 'string', pattern, maxLength };
      const value = obfuscate(
        { components: { schemas: { M: { type: 'object', properties: { f: field } } } } },
        'M',
        { f: '' },
        ['/f'],
      ).f;
      assert.match(String(value), new RegExp(pattern, 'u'), `/${pattern}/`);
    }
  }
});

test('real blocks: M0 and an address', () => {
  const payload = samplePayload(doc, 'IF-001-ChangeOfSupplier', { fill: 'full', seed: 7 });
  const out = obfuscate(doc, 'IF-001-ChangeOfSupplier', payload, ['/CommonBlock/M0', '/CustomBlock/B022']);
  assert.deepEqual((out.CommonBlock as JsonObject).M0, {
    MPANCore: '9999999999999',
    distributorDIPID: '9999999999',
    GSPGroupID: '_A',
  });
  const address = (out.CustomBlock as JsonObject).B022 as JsonObject;
  assert.equal(address.meteringPointPostcode, 'x'.repeat(10));
  assert.equal(address.addressLine1, 'x'.repeat(40));
  assertValid('IF-001-ChangeOfSupplier', out, 'M0 and B022');
  const sur = obfuscate(doc, 'IF-001-ChangeOfSupplier', payload, ['/CommonBlock/S1/senderUniqueReference']);
  assert.equal(
    ((sur.CommonBlock as JsonObject).S1 as JsonObject).senderUniqueReference,
    'S-9999-9999999999-XXXXX-99999999-' + 'x'.repeat(167),
  );
});

test('a copy whose version has no schema loaded is not sent unobfuscated to a role that must not see its fields', async () => {
  const leaf = leafFor(catalogue, 'IF-001', '[ChangeOfSupplier]');
  const payload = buildPayload(catalogue, { channel: 'IF-001', eventCode: leaf.eventCode, sender: '1100000001' });
  const m: ArchivedMessage = {
    seq: 1,
    transactionId: 'T-IF-001-1100000001-REGS-20261204-0000000000000001',
    channel: 'IF-001',
    eventCode: leaf.eventCode,
    schemaVersion: leaf.schemaVersion,
    senderUniqueReference: 'S-IF-001-1100000001-REGS-20261204-x',
    senderId: '1100000001',
    senderRole: 'REGS',
    dcpId: null,
    callerId: '1100000001',
    correlationId: null,
    senderCorrelationId: null,
    mpan: null,
    receivedAt: Date.parse('2026-12-04T00:00:00Z'),
    requestId: 'r',
    payload: Buffer.from(JSON.stringify(payload)),
    recipients: null,
  };
  const store = { messagesBySeq: async () => new Map([[1, m]]) };
  const wanted = (role: string) => [{ seq: 1, channel: 'IF-001', role, publicationId: 'PUB-001' }];
  const loaded = createPayloadBuilder(catalogue, store);
  const hidden = JSON.parse((await loaded.get(wanted('MDS')))[0]!.element.toString()) as {
    payload: { CustomBlock: { B022: Record<string, string> } };
  };
  assert.ok(
    Object.values(hidden.payload.CustomBlock.B022).every((v) => /^x+$/.test(v)),
    'loaded: obfuscated',
  );
  // The same DIP without the document of that version.
  const leaves = new Map([...catalogue.leaves].filter(([, l]) => l !== leaf));
  const missing = createPayloadBuilder({ ...catalogue, leaves }, store);
  await assert.rejects(missing.get(wanted('MDS')), /no schema of IF-001 \[ChangeOfSupplier\] version \S+ is loaded/);
  assert.equal((await missing.get(wanted('SUP'))).length, 1, 'a role that sees everything still gets its copy');
});
