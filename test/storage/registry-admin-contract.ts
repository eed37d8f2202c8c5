/**
 * The storage contract for the registry's operator side: the appointments on record for an MPAN with the
 * message that made each, certificates registered ahead of their activation, and the retirement of
 * certificates and API keys, as loadRegistry reads them back.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { call, freshStores, inbound, message, type Backend } from './contract.js';

const SUP = '1000000001';
const SUP2 = '1000000002';
const LDSO = '1600000001';
const MPAN = '1900000001017';
const T0 = 1_800_000_000_000;
const DAY = 86_400_000;
const hash = (s: string): string => createHash('sha256').update(s).digest('hex');

export function registryAdminContract(backend: Backend): void {
  describe(`storage contract, the registry's operator side: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    test('an MPAN’s appointments are read with the message that made each, an import naming none', async () => {
      const store = await fresh();
      assert.deepEqual(await store.mpanHistory(MPAN), [], 'an MPAN nobody serves has no history');
      await store.applyMpanChanges([
        { mpan: MPAN, service: 'SUP', action: 'appoint', participantId: SUP, at: T0, sourceSeq: null },
        { mpan: MPAN, service: 'LDSO', action: 'appoint', participantId: LDSO, at: T0, sourceSeq: null },
      ]);
      const seq = await store.reserveSequence(1);
      const m = { ...message(seq), channel: 'IF-001', receivedAt: T0 + DAY };
      await store.acceptBatch({
        messages: [m],
        journal: [inbound(m)],
        call: call({ at: T0 + DAY, messages: 1, accepted: 1 }),
        registryChanges: [
          { mpan: MPAN, service: 'SUP', action: 'appoint', participantId: SUP2, at: T0 + 2 * DAY, sourceSeq: seq },
        ],
      });
      assert.deepEqual(await store.mpanHistory(MPAN), [
        { service: 'LDSO', participantId: LDSO, from: T0, to: null, source: null },
        { service: 'SUP', participantId: SUP, from: T0, to: T0 + 2 * DAY, source: null },
        {
          service: 'SUP',
          participantId: SUP2,
          from: T0 + 2 * DAY,
          to: null,
          source: { seq, channel: 'IF-001', transactionId: m.transactionId },
        },
      ]);
      assert.deepEqual(await store.mpanHistory('1900000001026'), [], 'another MPAN’s appointments are not its');
    });

    test('a certificate keeps its activation time; certificates and API keys are deactivated and revoked', async () => {
      const store = await fresh();
      await store.saveParticipant({ dipId: SUP, name: 'Supplier', roles: ['SUP'] });
      const cert = (fingerprint: string, activeFrom: number | null) => ({
        fingerprint,
        dipId: SUP,
        subject: 'CN=1000000001',
        notAfter: T0 + 365 * DAY,
        pem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
        activeFrom,
      });
      await store.addCertificate(cert('aa'.repeat(32), null));
      await store.addCertificate(cert('bb'.repeat(32), T0 + DAY));
      await store.addApiKey(hash('k1'), SUP, 'gateway');
      await store.addApiKey(hash('k2'), SUP, 'spare');
      const certs = async () =>
        new Map((await store.loadRegistry()).certificates.map((c) => [c.fingerprint, c] as const));
      const keys = async () => new Map((await store.loadRegistry()).apiKeys.map((k) => [k.keyHash, k] as const));

      const before = await certs();
      assert.equal(before.get('aa'.repeat(32))!.activeFrom, null);
      assert.equal(before.get('bb'.repeat(32))!.activeFrom, T0 + DAY);
      assert.ok(before.get('aa'.repeat(32))!.createdAt! > 0, 'registration time is kept');
      assert.equal((await keys()).get(hash('k1'))!.label, 'gateway');

      assert.equal(await store.retireCredential('certificate', 'aa'.repeat(32), 'deactivated', T0 + DAY), true);
      assert.equal(await store.retireCredential('certificate', 'bb'.repeat(32), 'revoked', T0 + 2 * DAY), true);
      assert.equal(await store.retireCredential('api-key', hash('k1'), 'revoked', T0 + 3 * DAY), true);
      assert.equal(await store.retireCredential('api-key', hash('k2'), 'deactivated', T0 + 4 * DAY), true);
      assert.equal(await store.retireCredential('certificate', 'cc'.repeat(32), 'revoked', T0), false);
      assert.equal(await store.retireCredential('api-key', hash('nope'), 'deactivated', T0), false);

      const after = await certs();
      assert.deepEqual(
        [after.get('aa'.repeat(32)), after.get('bb'.repeat(32))].map((c) => [c!.deactivatedAt, c!.revokedAt]),
        [
          [T0 + DAY, null],
          [null, T0 + 2 * DAY],
        ],
      );
      const k = await keys();
      assert.deepEqual(
        [k.get(hash('k1')), k.get(hash('k2'))].map((x) => [x!.deactivatedAt, x!.revokedAt]),
        [
          [null, T0 + 3 * DAY],
          [T0 + 4 * DAY, null],
        ],
      );

      // Registering the same certificate again names its activation afresh and leaves its retirement.
      await store.addCertificate(cert('bb'.repeat(32), T0 + 5 * DAY));
      const again = (await certs()).get('bb'.repeat(32))!;
      assert.deepEqual([again.activeFrom, again.revokedAt], [T0 + 5 * DAY, T0 + 2 * DAY]);
    });
  });
}
