/**
 * The storage contract for the operator's endpoint listing: breaker, next due, lease, webhook and copies
 * pending per endpoint, filtered by breaker state, in keyset pages that meet without gaps or repeats.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EndpointFilter, EndpointView } from '../../src/domain/endpoint-view.js';
import type { Store } from '../../src/storage/ports.js';
import { freshStores, routeToSupplierAndDistributor, type Backend } from './contract.js';

const SUP = '1000000001';
const LDSO = '1600000001';
const T0 = 1_800_000_000_000;
const ALL: EndpointFilter = { recipientId: null, channel: null, role: null, breaker: null };

export function endpointsContract(backend: Backend): void {
  describe(`storage contract, the operator's endpoints: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    async function routed(store: Store, n: number): Promise<void> {
      await routeToSupplierAndDistributor(store, n, { at: T0, supplier: SUP, distributor: LDSO });
    }

    test('each endpoint shows its breaker, next attempt, webhook and copies pending; pages meet', async () => {
      const store = await fresh();
      await routed(store, 3);
      await store.saveWebhooks(
        [
          {
            recipientId: SUP,
            channel: 'IF-021',
            role: '',
            callbackUrl: 'https://sup.example/hook',
            maxMessageCount: 100,
            maxPayloadKb: 1024,
            configuredBy: SUP,
          },
        ],
        T0,
      );
      const claimed = await store.claimDueEndpoints(T0 + 10_000, 10, 'engine', 60_000);
      const sup = claimed.find((e) => e.role === 'SUP')!;
      const ldso = claimed.find((e) => e.role === 'LDSO')!;
      const copies = await store.pendingDeliveries(sup, T0 + 10_000, 10);
      assert.ok(
        await store.recordAttempt({
          endpoint: sup,
          at: T0 + 1_000,
          delivered: { ids: [], status: 503 },
          updates: copies.map((d) => ({
            id: d.id,
            state: 'pending',
            attempts: 1,
            firstFailureAt: T0 + 1_000,
            nextAttemptAt: T0 + 30_000,
            lastStatus: 503,
            lastError: 'HTTP 503',
          })),
          journal: [],
          statusMessages: [],
          breaker: { state: 'open', failures: 5, trips: 1, until: T0 + 3_600_000 },
          notBefore: T0 + 3_600_000,
        }),
      );
      const listed = await store.listEndpoints(ALL, null, 10);
      const shown = (e: EndpointView) => [
        e.recipientId,
        e.role,
        e.breaker.state,
        e.nextDueAt,
        e.leased,
        e.webhook,
        e.pending,
        e.lastStatus,
        e.lastError,
      ];
      assert.deepEqual(listed.map(shown), [
        [SUP, 'SUP', 'open', T0 + 3_600_000, false, true, 3, 503, 'HTTP 503'],
        [LDSO, 'LDSO', 'closed', T0, true, false, 3, null, null],
      ]);
      assert.ok(await store.releaseEndpoint(ldso, null, true));
      const [parked] = await store.listEndpoints({ ...ALL, recipientId: LDSO }, null, 10);
      assert.deepEqual([parked!.nextDueAt, parked!.leased, parked!.pending], [null, false, 3], 'parked: waiting');

      assert.deepEqual(
        (await store.listEndpoints({ ...ALL, breaker: 'open' }, null, 10)).map((e) => e.recipientId),
        [SUP],
      );
      assert.deepEqual(await store.listEndpoints({ ...ALL, breaker: 'half-open' }, null, 10), []);
      assert.deepEqual(await store.listEndpoints({ ...ALL, channel: 'IF-004' }, null, 10), []);
      const first = await store.listEndpoints(ALL, null, 1);
      const second = await store.listEndpoints(ALL, [first[0]!.recipientId, first[0]!.channel, first[0]!.role], 1);
      assert.deepEqual(
        [...first, ...second].map((e) => e.recipientId),
        [SUP, LDSO],
      );
      const last = second[0]!;
      assert.deepEqual(await store.listEndpoints(ALL, [last.recipientId, last.channel, last.role], 1), []);
    });
  });
}
