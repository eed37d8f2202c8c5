/** Where messages carry MPAN cores, as the published schemas say, and which of those values are not MPANs. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { leafKey, type OpenApiDoc } from '../../src/catalogue/catalogue.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { fieldName, invalidMpans, mpanFields } from '../../src/catalogue/mpan-fields.js';
import { createSchemaRegistry } from '../../src/validation/schemas.js';

const catalogue = loadCatalogue();
const schemas = createSchemaRegistry(catalogue);
const doc = catalogue.documents[0]!;

/** The MPAN fields of a leaf, by readable name, sorted. */
function fieldsOf(channel: string, eventCode: string, version: string): string[] {
  const leaf = catalogue.leaves.get(leafKey(channel, eventCode, version));
  assert.ok(leaf, `${channel} ${eventCode} ${version}`);
  return schemas
    .forLeaf(leaf)
    .mpanFields.map((f) => fieldName(f.steps, []))
    .sort();
}

describe('MPAN fields of the published message schemas', () => {
  test('IF-021 carries one MPAN, in M0', () => {
    assert.deepEqual(fieldsOf('IF-021', '[ActivePower]', '011'), ['CommonBlock.M0.MPANCore']);
  });

  test('IF-019 and IF-020 name the principal MPAN in M1 and the subsidiary MPANs in a list', () => {
    assert.deepEqual(fieldsOf('IF-019', '[RelatedAdd]', '011'), [
      'CommonBlock.M1.principalMPAN',
      'CustomBlock.B090List[].subsidiaryMPAN',
    ]);
  });

  test('linked import/export and related MPANs are found inside list items, also one object further down', () => {
    const if001 = [...catalogue.leaves.values()].find((l) => l.channel === 'IF-001')!;
    assert.deepEqual(fieldsOf('IF-001', if001.eventCode, if001.schemaVersion), [
      'CommonBlock.M0.MPANCore',
      'CustomBlock.B035List[].linkedImportExportMPAN',
      'CustomBlock.B037List[].primaryMPAN',
      'CustomBlock.B037List[].secondaryMPAN',
    ]);
    const if002 = [...catalogue.leaves.values()].find((l) => l.channel === 'IF-002')!;
    const nested = fieldsOf('IF-002', if002.eventCode, if002.schemaVersion);
    for (const f of [
      'CustomBlock.B907List[].existingMeter.linkedImportExportMPAN',
      'CustomBlock.B908List[].existingMeter.primaryMPAN',
      'CustomBlock.B908List[].existingMeter.secondaryMPAN',
    ]) {
      assert.ok(nested.includes(f), `${f} in ${nested.join(', ')}`);
    }
  });

  test('every leaf with an M0 or M1 block has its MPAN found; reports whose data is compressed have none', () => {
    for (const leaf of catalogue.leaves.values()) {
      const props = (
        doc.components.schemas[leaf.schemaName] as {
          properties: { CommonBlock: { properties: Record<string, unknown> } };
        }
      ).properties.CommonBlock.properties;
      const found = fieldsOf(leaf.channel, leaf.eventCode, leaf.schemaVersion);
      if ('M0' in props) assert.ok(found.includes('CommonBlock.M0.MPANCore'), leaf.schemaName);
      if ('M1' in props) assert.ok(found.includes('CommonBlock.M1.principalMPAN'), leaf.schemaName);
      if (leaf.channel.startsWith('REP-') && leaf.channel !== 'REP-009') assert.deepEqual(found, [], leaf.schemaName);
    }
  });
});

describe('MPAN fields of any schema', () => {
  const mpan = { $ref: '#/components/schemas/DT-002-MPAN' };
  const synthetic: OpenApiDoc = {
    components: {
      schemas: {
        'DT-002-MPAN': { type: 'string', pattern: '^\\d{13}?$' },
        'DT-002N-MPAN': { type: 'string', nullable: true },
        Alias: { $ref: '#/components/schemas/DT-002N-MPAN' },
        NotAnMpan: { type: 'string', description: 'MPAN list', maxLength: 1400 },
        Site: {
          type: 'object',
          properties: {
            grid: { type: 'array', items: { type: 'array', items: { type: 'object', properties: { core: mpan } } } },
            either: {
              oneOf: [
                { type: 'object', properties: { a: mpan } },
                { type: 'object', properties: { b: { $ref: '#/components/schemas/Alias' } } },
              ],
            },
            both: {
              allOf: [{ type: 'object', properties: { c: mpan } }],
              anyOf: [{ type: 'object', properties: { d: mpan } }],
            },
            text: { $ref: '#/components/schemas/NotAnMpan' },
            again: { $ref: '#/components/schemas/Site' },
          },
        },
      },
    },
  };
  const fields = mpanFields(synthetic, synthetic.components.schemas.Site);

  test('found through nested arrays, every kind of alternative and chains of $refs; a schema containing itself ends', () => {
    assert.deepEqual(fields.map((f) => fieldName(f.steps, [])).sort(), [
      'both.c',
      'both.d',
      'either.a',
      'either.b',
      'grid[][].core',
    ]);
  });

  test('each invalid value is named with its indices; null and absent fields are no values', () => {
    const payload = {
      grid: [[{ core: '1900000000013' }], [{ core: null }, { core: '1900000000015' }, {}]],
      either: { a: 1900000000013 },
      both: { c: null },
      text: '1900000000015',
    };
    assert.deepEqual(invalidMpans(payload, fields), [
      { field: 'grid[1][1].core', value: '1900000000015' },
      { field: 'either.a', value: 1900000000013 },
    ]);
  });

  test('shapes the schema would refuse are passed over, not thrown on', () => {
    assert.deepEqual(invalidMpans({ grid: { 0: [{ core: 'x' }] }, either: ['1900000000015'], both: 'c' }, fields), []);
    assert.deepEqual(invalidMpans(null, fields), []);
  });

  test('names are read as spelled: the canonical spelling the schema validation produced', () => {
    assert.deepEqual(invalidMpans({ Either: { A: '1900000000015' } }, fields), []);
  });
});
