import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { RecipientRules } from '../../src/catalogue/rules.js';
import type { Participant, Role } from '../../src/domain/model.js';
import { parseMpanRow } from '../../src/registry/mpan-import.js';
import { MpanView } from '../../src/routing/mpan-view.js';
import { addressingBlock, resolveRecipients, type Directory, type RoutingFacts } from '../../src/routing/resolve.js';

const market: Participant[] = [
  { dipId: '1000000001', name: 'Supplier', roles: ['SUP'] },
  { dipId: '1200000001', name: 'Data services', roles: ['SDS', 'ADS'] },
  { dipId: '1600000001', name: 'Distributor', roles: ['LDSO'] },
  { dipId: '1700000001', name: 'MDS', roles: ['MDS'] },
  { dipId: '1700000002', name: 'LSS', roles: ['LSS'] },
];
const directory: Directory = {
  participant: (id) => market.find((p) => p.dipId === id),
  holders: (role: Role) => market.filter((p) => p.roles.includes(role)),
};
const facts = (over: Partial<RoutingFacts> = {}): RoutingFacts => ({
  primaryRecipients: null,
  mpan: '1900000000013',
  distributor: '1600000001',
  senderId: '1200000001',
  senderRole: 'SDS',
  ...over,
});
const rules = (over: Partial<RecipientRules>): RecipientRules => ({
  primary: [],
  primaryRequired: false,
  secondary: [],
  always: [],
  ...over,
});

test('IF-021-like addressing: the supplier and distributor of the MPAN, and every MDS and LSS', () => {
  const r = resolveRecipients(
    rules({ secondary: ['SUP', 'LDSO'], always: [{ role: 'MDS' }, { role: 'LSS' }] }),
    facts(),
    directory,
    (_mpan, service) => (service === 'SUP' ? '1000000001' : null),
  );
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.recipients.map((x) => `${x.dipId}/${x.role}/${x.kind}`),
    ['1000000001/SUP/secondary', '1600000001/LDSO/secondary', '1700000001/MDS/always', '1700000002/LSS/always'],
  );
  assert.deepEqual(addressingBlock(null, r.recipients), {
    primaryRecipients: [],
    secondaryRecipients: ['1000000001', '1600000001'],
    always: ['1700000001', '1700000002'],
  });
});

test('a participant holding two recipient roles gets one copy per role; a sender is not sent its own message in the role it sent it in', () => {
  const r = resolveRecipients(
    rules({ secondary: ['DS'] }),
    facts({ senderId: '1000000001', senderRole: 'SUP' }),
    directory,
    () => '1200000001',
  );
  assert.deepEqual(
    r.recipients.map((x) => x.role),
    ['SDS', 'ADS'],
  );
  const own = resolveRecipients(
    rules({ secondary: ['DS'] }),
    facts({ senderId: '1200000001', senderRole: 'SDS' }),
    directory,
    () => '1200000001',
  );
  assert.deepEqual(
    own.recipients.map((x) => x.role),
    ['ADS'],
  );
});

test('addressing problems carry the published codes', () => {
  const code = (r: RecipientRules, f: Partial<RoutingFacts>, serving: string | null = null) =>
    resolveRecipients(r, facts(f), directory, () => serving).problems.map((p) => p.code);
  assert.deepEqual(code(rules({ primary: ['SUP'], primaryRequired: true }), {}), ['MSG1031']);
  assert.deepEqual(code(rules({ primary: ['SUP'] }), {}), [], 'optional primary addressing may name nobody');
  assert.deepEqual(code(rules({ primary: ['SUP'] }), { primaryRecipients: ['9999999999'] }), ['MSG1031']);
  assert.deepEqual(code(rules({ primary: ['SUP'] }), { primaryRecipients: ['1600000001'] }), ['MSG1032']);
  assert.deepEqual(code(rules({ secondary: ['SUP'] }), { mpan: null }), ['MSG1037']);
  assert.deepEqual(code(rules({ secondary: ['SUP'] }), {}), ['MSG1038']);
  assert.deepEqual(
    code(rules({ secondary: ['MDR', 'MS', 'DS'] }), {}),
    [],
    'an MPAN may lack an MDR or an appointed service',
  );
  assert.deepEqual(code(rules({ secondary: ['SUP'] }), {}, '9999999999'), ['MSG1033']);
  assert.deepEqual(code(rules({ secondary: ['SUP'] }), {}, '1600000001'), ['MSG1034']);
  assert.deepEqual(code(rules({ always: [{ participant: '9999999999', role: 'EES' }] }), {}), ['MSG1035']);
  assert.deepEqual(code(rules({ always: [{ participant: '1700000001', role: 'LSS' }] }), {}), ['MSG1036']);
});

test('every (participant, role) pair appears once, whatever the rules', () => {
  const role = fc.constantFrom<Role>('SUP', 'SDS', 'ADS', 'LDSO', 'MDS', 'LSS');
  fc.assert(
    fc.property(
      fc.array(role),
      fc.array(role),
      fc.subarray(['SUP', 'LDSO', 'DS'] as const),
      fc.array(fc.constantFrom(...market.map((p) => p.dipId))),
      (primary, always, secondary, named) => {
        const r = resolveRecipients(
          rules({ primary, secondary: [...secondary], always: always.map((x) => ({ role: x })) }),
          facts({ primaryRecipients: named }),
          directory,
          (_m, s) => (({ SUP: '1000000001', DS: '1200000001' }) as Record<string, string>)[s] ?? null,
        );
        const keys = r.recipients.map((x) => `${x.dipId}|${x.role}`);
        return (
          new Set(keys).size === keys.length &&
          r.recipients.every((x) => directory.participant(x.dipId)!.roles.includes(x.role))
        );
      },
    ),
  );
});

test('the MPAN view answers who serves an MPAN at a moment, as appointments come and go', () => {
  const view = new MpanView([{ mpan: 'M', service: 'SUP', participantId: 'A', from: 0, to: null }]);
  assert.equal(view.serving('M', 'SUP', 100), 'A');
  assert.equal(view.apply({ mpan: 'M', service: 'SUP', action: 'appoint', participantId: 'B', at: 200 }), true);
  assert.equal(view.serving('M', 'SUP', 100), 'A', 'the past is unchanged');
  assert.equal(view.serving('M', 'SUP', 300), 'B', 'the new supplier from its effective date');
  assert.equal(
    view.apply({ mpan: 'M', service: 'SUP', action: 'appoint', participantId: 'B', at: 200 }),
    false,
    'the same appointment twice changes nothing',
  );
  assert.equal(view.apply({ mpan: 'M', service: 'SUP', action: 'end', participantId: 'B', at: 400 }), true);
  assert.equal(view.serving('M', 'SUP', 500), null);
  assert.equal(view.serving('M', 'MS', 500), null);
});

test('an appointment that arrives after a later one still leaves the right party serving at every moment', () => {
  const view = new MpanView([{ mpan: 'M', service: 'SUP', participantId: 'A', from: 500, to: null }]);
  assert.equal(
    view.apply({ mpan: 'M', service: 'SUP', action: 'appoint', participantId: 'B', at: 300 }),
    true,
    'late news of an earlier change',
  );
  assert.deepEqual(
    [400, 600].map((t) => view.serving('M', 'SUP', t)),
    ['B', 'A'],
  );
  assert.equal(
    view.apply({ mpan: 'M', service: 'SUP', action: 'appoint', participantId: 'A', at: 700 }),
    false,
    'A re-stated while it serves',
  );
  assert.equal(
    view.apply({ mpan: 'M', service: 'SUP', action: 'appoint', participantId: 'B', at: 800 }),
    true,
    'B again, a real change',
  );
  assert.deepEqual(
    [400, 600, 900].map((t) => view.serving('M', 'SUP', t)),
    ['B', 'A', 'B'],
  );
});

test('bulk import rows are checked and turned into appointments', () => {
  assert.deepEqual(parseMpanRow('1900000000013,SUP,1000000001,2024-01-01'), [
    {
      mpan: '1900000000013',
      service: 'SUP',
      action: 'appoint',
      participantId: '1000000001',
      at: Date.UTC(2024, 0, 1),
      sourceSeq: null,
    },
  ]);
  assert.equal(
    (parseMpanRow('1900000000013,MS,1300000001,2024-01-01T00:00:00+00:00,2024-06-01') as unknown[]).length,
    2,
  );
  assert.match(parseMpanRow('123,SUP,1000000001,2024-01-01') as string, /not 13 digits/);
  assert.match(
    parseMpanRow('1900000000015,SUP,1000000001,2024-01-01') as string,
    /MPAN '1900000000015' is not a valid MPAN: its check digit \(the 13th digit\) should be 3/,
  );
  assert.match(parseMpanRow('1900000000013,XX,1000000001,2024-01-01') as string, /service 'XX'/);
  assert.match(parseMpanRow('1900000000013,SUP,short,2024-01-01') as string, /10-character/);
  assert.match(parseMpanRow('1900000000013,SUP,1000000001,yesterday') as string, /effective_from/);
  assert.match(parseMpanRow('1900000000013,SUP,1000000001,2024-01-01,2023-01-01') as string, /effective_to/);
});
