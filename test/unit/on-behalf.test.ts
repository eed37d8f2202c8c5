/**
 * Acting on a participant's behalf: the operator takes exactly the participant's own entitlement (never a
 * DCP's grants on top), or one role it holds; an unknown participant or a role it lacks is refused, saying why.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WHOLE } from '../../src/domain/entitlement.js';
import { rolesOnBehalf } from '../../src/registry/on-behalf.js';
import { buildRegistryView } from '../../src/registry/registry.js';

const registry = buildRegistryView({
  participants: [
    { dipId: '1000000001', name: 'Supplier', roles: ['SUP'] },
    { dipId: '1200000001', name: 'Data service', roles: ['SDS', 'ADS'] },
    { dipId: '1900000001', name: 'DCP', roles: ['DCP'] },
  ],
  dcpGrants: [{ dcpId: '1900000001', participantId: '1000000001', role: 'SUP' }],
  certificates: [],
  apiKeys: [],
});

test('without a role, the participant’s own roles and the participant as a whole, as it has calling for itself', () => {
  assert.deepEqual(rolesOnBehalf(registry, '1200000001', undefined), { ok: true, roles: [WHOLE, 'SDS', 'ADS'] });
  assert.deepEqual(
    rolesOnBehalf(registry, '1900000001', undefined),
    { ok: true, roles: [WHOLE, 'DCP'] },
    'a DCP’s grants are not its own roles: acting for it gives none of them',
  );
});

test('with a role the participant holds, that role only, as a DCP assigned it would act', () => {
  assert.deepEqual(rolesOnBehalf(registry, '1200000001', 'ADS'), { ok: true, roles: ['ADS'] });
});

test('an unknown participant is 404 and a role it does not hold 400, each saying what is wrong', () => {
  assert.deepEqual(rolesOnBehalf(registry, '1099999999', undefined), {
    ok: false,
    status: 404,
    help: 'no participant 1099999999 is registered with this DIP: name one by its DIP id',
  });
  assert.deepEqual(rolesOnBehalf(registry, '1200000001', 'SUP'), {
    ok: false,
    status: 400,
    help: '1200000001 does not hold the role SUP: it holds SDS, ADS',
  });
  for (const bad of [['SUP', 'SUP'], '']) {
    const r = rolesOnBehalf(registry, '1000000001', bad);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.status, 400);
    assert.match(!r.ok ? r.help : '', /give role once/);
  }
});
