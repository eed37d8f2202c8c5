import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { inflateSync } from 'node:zlib';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { invalidMpans, mpanFields } from '../../src/catalogue/mpan-fields.js';
import { samplePayload, sampleValue, type OpenApiDoc, type SampleOptions } from '../../src/catalogue/sample.js';
import { isValidMpanCore } from '../../src/domain/mpan.js';

const CATALOGUE = join('catalogue', 'dip-openapi-2.1.0.json');

// The compiled test may sit at dist/test/catalogue (where '../../../catalogue/…' works) or in an
// out-of-tree build, so walk up from this file and fall back to the working directory.
function locateCatalogue(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, CATALOGUE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  const fallback = resolve(process.cwd(), CATALOGUE);
  if (!existsSync(fallback)) throw new Error(`cannot find ${CATALOGUE} above ${import.meta.url} or in ${process.cwd()}`);
  return fallback;
}

type Node = Record<string, unknown>;
const doc = JSON.parse(readFileSync(locateCatalogue(), 'utf8')) as OpenApiDoc;
const schemas = doc.components.schemas;

// ajv-formats is CommonJS: under NodeNext the default import is module.exports, whose `default` is the plugin.
const addFormats = addFormatsModule.default;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'dip', components: doc.components });

const validators = new Map<string, ValidateFunction>();
function validator(name: string): ValidateFunction {
  let validate = validators.get(name);
  if (validate === undefined) {
    validate = ajv.compile({ $ref: 'dip#/components/schemas/' + name });
    validators.set(name, validate);
  }
  return validate;
}

function assertValid(name: string, value: unknown, label: string): void {
  const validate = validator(name);
  assert.ok(validate(value), `${name} (${label}): ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refName(node: unknown): string {
  assert.ok(isNode(node) && typeof node.$ref === 'string', `expected a $ref, got ${JSON.stringify(node)}`);
  return node.$ref.replace('#/components/schemas/', '');
}

function deref(node: unknown): Node {
  let current = node;
  while (isNode(current) && typeof current.$ref === 'string') current = schemas[refName(current)];
  assert.ok(isNode(current));
  return current;
}

/** Leaf message schemas: each channel payload of DIPMessage, with oneOf wrappers expanded into their members. */
function leafSchemas(): string[] {
  const dipMessage = deref(schemas.DIPMessage);
  const payload = deref(deref(dipMessage.properties).payload);
  assert.ok(Array.isArray(payload.oneOf));
  return payload.oneOf.flatMap((channel) => {
    const node = deref(channel);
    return Array.isArray(node.oneOf) ? node.oneOf.map(refName) : [refName(channel)];
  });
}

/** Walks value and schema together: minimal emits only required properties, full emits every declared one and no nulls. */
function assertShape(schema: unknown, value: unknown, fill: 'minimal' | 'full', path: string): void {
  const node = deref(schema);
  if (fill === 'full') assert.notEqual(value, null, `${path} is null in a full sample`);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) assertShape(node.items, item, fill, `${path}[${i}]`);
    return;
  }
  if (!isNode(value) || !isNode(node.properties)) return;
  const required = new Set(Array.isArray(node.required) ? node.required : []);
  for (const [key, sub] of Object.entries(node.properties)) {
    const isReportShape: boolean = key === 'schema' && 'P03' in node.properties;
    const expected: boolean = !isReportShape && (fill === 'full' || required.has(key));
    assert.equal(key in value, expected, `${path}.${key} ${expected ? 'missing' : 'unexpected'} in a ${fill} sample`);
    if (key in value) assertShape(sub, value[key], fill, `${path}.${key}`);
  }
}

const leaves = leafSchemas();
const FILLS = ['minimal', 'full'] as const;

test('the catalogue has exactly 126 distinct leaf message schemas', () => {
  assert.equal(leaves.length, 126);
  assert.equal(new Set(leaves).size, 126);
  for (const name of leaves) assert.ok(!Array.isArray(deref(schemas[name]).oneOf), `${name} is a wrapper`);
});

describe('every leaf message schema', () => {
  for (const name of leaves) {
    test(name, () => {
      for (const fill of FILLS) {
        const payload = samplePayload(doc, name, { fill });
        assertValid(name, payload, fill);
        assertShape(schemas[name], payload, fill, name);
        assert.deepEqual(invalidMpans(payload, mpanFields(doc, schemas[name])), [], `${name} (${fill}): every MPAN has its check digit`);
        assert.deepEqual(samplePayload(doc, name, { fill }), payload, `${name} (${fill}) is not deterministic`);
        assert.deepEqual(samplePayload(doc, name, { fill, seed: 1 }), payload, `${name} (${fill}): default seed is not 1`);
        const others = [2, 3, 4, 5].map((seed) => samplePayload(doc, name, { fill, seed }));
        for (const other of others) assertValid(name, other, `${fill}, other seed`);
        assert.ok(others.some((other) => !isDeepStrictEqual(other, payload)), `${name} (${fill}) ignores the seed`);
      }
    });
  }
});

describe('common blocks', () => {
  test('S0 carries the enum values of its leaf', () => {
    for (const name of leaves) {
      const s0Schema = deref(deref(deref(deref(schemas[name]).properties).CommonBlock).properties);
      const s0Props = deref(deref(s0Schema.S0).properties);
      const s0 = (samplePayload(doc, name).CommonBlock as Node).S0 as Node;
      for (const key of ['interfaceID', 'schemaVersion', 'eventCode']) {
        const allowed = deref(s0Props[key]).enum;
        assert.ok(Array.isArray(allowed) && allowed.includes(s0[key]), `${name} S0.${key}=${String(s0[key])}`);
      }
    }
  });

  test('minimal samples set required nullable fields to null; values look realistic', () => {
    const minimal = samplePayload(doc, 'IF-021-Payload');
    const s1 = (minimal.CommonBlock as Node).S1 as Node;
    assert.equal(s1.subText, null);
    assert.equal(s1.senderCorrelationID, null);
    assert.equal(s1.DIPConnectionProviderID, null);
    assert.match(String(s1.senderTimestamp), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\+00:00$/);
    assert.match(String(s1.senderDIPID), /^\d{10}$/);
    const mpan = String(((minimal.CommonBlock as Node).M0 as Node).MPANCore);
    assert.ok(isValidMpanCore(mpan), `MPAN ${mpan} has its check digit`);
  });
});

describe('REP payloads', () => {
  const reports = leaves.filter((name) => name.startsWith('REP-'));

  test('compressedReport decodes to a valid sample of the documented CustomBlock; `schema` is never emitted', () => {
    assert.equal(reports.length, 12);
    for (const name of reports) {
      const customBlock = deref(deref(deref(schemas[name]).properties).CustomBlock);
      const shape = refName(deref(customBlock.properties).schema);
      for (const fill of FILLS) {
        const custom = samplePayload(doc, name, { fill }).CustomBlock as Node;
        assert.deepEqual(Object.keys(custom), ['P03']);
        const encoded = String((custom.P03 as Node).compressedReport);
        const report: unknown = JSON.parse(inflateSync(Buffer.from(encoded, 'base64')).toString('utf8'));
        assertValid(shape, report, `${fill} decoded report`);
        if (fill === 'full') assert.ok(isNode(report) && Object.keys(report).length > 0, `${name}: full report is empty`);
      }
    }
  });
});

describe('oneOf', () => {
  test('a DIPMessage and every wrapper payload validate (exactly one alternative matches)', () => {
    for (const fill of FILLS) {
      const message = sampleValue(doc, { $ref: '#/components/schemas/DIPMessage' }, { fill });
      assertValid('DIPMessage', message, fill);
      for (const name of Object.keys(schemas).filter((n) => /^(IF|REP)-\w+-Payload$/.test(n))) {
        assertValid(name, samplePayload(doc, name, { fill, seed: 7 }), `${fill} wrapper`);
      }
    }
  });

  test('a value matching two alternatives is rejected in favour of a discriminating one', () => {
    const schema = { oneOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', properties: { b: { type: 'string' } }, additionalProperties: false }] };
    const value = sampleValue(doc, schema);
    assert.ok(isNode(value) && 'a' in value, JSON.stringify(value));
  });
});

describe('strings from patterns', () => {
  const patterned: Node[] = [];
  (function collect(node: unknown): void {
    if (Array.isArray(node)) node.forEach(collect);
    else if (isNode(node)) {
      if (typeof node.pattern === 'string') patterned.push(node);
      Object.values(node).forEach(collect);
    }
  })(schemas);

  test('every pattern-bearing schema in the catalogue yields valid strings', () => {
    const patterns = new Set(patterned.map((node) => node.pattern));
    assert.equal(patterns.size, 15);
    // The two constructs most easily misread: a lazy `{13}?` and an optional alternation group.
    assert.ok(patterns.has('^\\d{13}?$') && patterns.has('^S-((IF|REP)-)?\\d{3,4}-[0-9a-fA-F]{10}-[A-Z]{3,5}-\\d{8}-[a-zA-Z0-9]+$'));
    for (const node of patterned) {
      const validate = ajv.compile(node);
      for (let seed = 0; seed < 200; seed++) {
        for (const fill of FILLS) {
          const value = sampleValue(doc, node, { seed, fill });
          assert.ok(validate(value), `/${String(node.pattern)}/ seed ${seed} ${fill}: ${JSON.stringify(value)}`);
          if (fill === 'full') assert.equal(typeof value, 'string');
        }
      }
    }
  });

  test('patterns combine with length limits', () => {
    const schema = { type: 'string', minLength: 20, maxLength: 22, pattern: '^[A-Z]{2}-\\d+$' };
    const value = sampleValue(doc, schema);
    assert.ok(typeof value === 'string' && value.length >= 20 && value.length <= 22 && /^[A-Z]{2}-\d+$/.test(value), String(value));
  });

  test('unsupported regex constructs throw', () => {
    for (const pattern of ['^(?=a)b$', '^\\bword$', '^[^a]$', '^(a)\\1$', '^a$b', '^\\p{L}$']) {
      assert.throws(() => sampleValue(doc, { type: 'string', pattern }), /unsupported regex construct/, pattern);
    }
  });
});

describe('numbers and unsupported keywords', () => {
  test('numbers respect minimum, maximum, multipleOf and integer type', () => {
    assert.equal(sampleValue(doc, { type: 'integer', minimum: 30, maximum: 30, multipleOf: 15 }), 30);
    for (let seed = 0; seed < 100; seed++) {
      const value = sampleValue(doc, { type: 'integer', minimum: 1, maximum: 50 }, { seed });
      assert.ok(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 50);
      const n = sampleValue(doc, { type: 'number', minimum: 0.25, maximum: 0.75 }, { seed }) as number;
      assert.ok(n >= 0.25 && n <= 0.75, String(n));
    }
  });

  test('unknown keywords and formats throw instead of guessing', () => {
    assert.throws(() => sampleValue(doc, { type: 'string', not: { const: 'x' } }), /unsupported schema keyword 'not'/);
    assert.throws(() => sampleValue(doc, { type: 'string', format: 'ipv6' }), /unsupported string format/);
  });
});

describe('property: generated payloads always validate', () => {
  const sampled = ['IF-021-Payload', 'IF-005-MeterInstall', 'REP-002-Payload', 'IF-016-ActivePower', 'IF-041-Payload'];
  for (const name of sampled) {
    test(name, () => {
      fc.assert(
        fc.property(fc.integer(), fc.constantFrom<SampleOptions['fill']>('minimal', 'full'), (seed, fill) => {
          const validate = validator(name);
          const payload = samplePayload(doc, name, { seed, fill });
          return validate(payload) || assert.fail(ajv.errorsText(validate.errors));
        }),
        { numRuns: 100 },
      );
    });
  }
});
