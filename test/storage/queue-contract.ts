/**
 * The storage contract for the operator's queue: copies counted and listed by state (pending, waiting for
 * a webhook, held, dead) and filter, in pages that meet without gaps or repeats, and redrive.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeliveryState, Endpoint } from '../../src/domain/delivery.js';
import { cursorOf, type QueueFilter, type QueuedCopy } from '../../src/domain/queue.js';
import type { Store } from '../../src/storage/ports.js';
import { freshStores, routeToSupplierAndDistributor, type Backend } from './contract.js';

const SUP = '1000000001';
const LDSO = '1600000001';
const T0 = 1_800_000_000_000;

const filter = (over: Partial<QueueFilter> = {}): QueueFilter => ({
  state: 'pending',
  recipientId: null,
  role: null,
  channel: null,
  createdBefore: null,
  ...over,
});

export function queueContract(backend: Backend): void {
  describe(`storage contract, the operator's queue: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    /** Archives `n` IF-021 messages at T0 + i, each to the supplier and the distributor. */
    async function routed(store: Store, n: number): Promise<number[]> {
      return routeToSupplierAndDistributor(store, n, { at: T0, supplier: SUP, distributor: LDSO });
    }

    /** Gives the endpoint's first `n` pending copies `state`, and opens its breaker. */
    async function fail(store: Store, endpoint: Endpoint, n: number, state: DeliveryState): Promise<number[]> {
      const copies = (await store.pendingDeliveries(endpoint, T0 + 10_000, 100)).slice(0, n);
      const ok = await store.recordAttempt({
        endpoint,
        at: T0 + 1_000,
        delivered: { ids: [], status: 404 },
        updates: copies.map((d) => ({
          id: d.id,
          state,
          attempts: 1,
          firstFailureAt: T0 + 1_000,
          nextAttemptAt: T0 + 1_000,
          lastStatus: 404,
          lastError: 'HTTP 404',
        })),
        journal: [],
        statusMessages: [],
        breaker: { state: 'open', failures: 5, trips: 1, until: T0 + 3_600_000 },
        notBefore: T0 + 3_600_000,
      });
      assert.ok(ok);
      return copies.map((d) => d.id);
    }

    async function endpoints(store: Store): Promise<{ sup: Endpoint; ldso: Endpoint }> {
      const claimed = await store.claimDueEndpoints(T0 + 10_000, 10, 'engine', 60_000);
      return { sup: claimed.find((e) => e.role === 'SUP')!, ldso: claimed.find((e) => e.role === 'LDSO')! };
    }

    async function everyPage(store: Store, f: QueueFilter, limit: number): Promise<QueuedCopy[]> {
      const all: QueuedCopy[] = [];
      for (;;) {
        const page = await store.listQueue(f, all.length ? cursorOf(all.at(-1)!) : null, limit);
        all.push(...page);
        if (page.length < limit) return all;
      }
    }

    test('copies are counted and listed by state and filter, pages meeting without gaps or repeats', async () => {
      const store = await fresh();
      const seqs = await routed(store, 7);
      const { sup, ldso } = await endpoints(store);
      const held = await fail(store, sup, 3, 'held');
      const dead = await fail(store, ldso, 2, 'dead');
      assert.equal(await store.countQueue(filter({ state: 'held' }), 100), 3);
      assert.equal(await store.countQueue(filter({ state: 'dead' }), 100), 2);
      assert.equal(await store.countQueue(filter(), 100), 14 - 5);
      assert.equal(await store.countQueue(filter(), 4), 5, 'a count stops one past its cap');
      assert.equal(await store.countQueue(filter({ recipientId: LDSO }), 100), 5);
      assert.equal(await store.countQueue(filter({ role: 'SUP', channel: 'IF-021' }), 100), 4);
      assert.equal(await store.countQueue(filter({ channel: 'IF-004' }), 100), 0);
      const listed = await everyPage(store, filter({ state: 'held' }), 2);
      assert.deepEqual(
        listed.map((c) => c.id),
        held,
      );
      assert.deepEqual(
        listed.map((c) => [c.state, c.recipientId, c.role, c.channel, c.attempts, c.lastStatus, c.lastError]),
        held.map(() => ['held', SUP, 'SUP', 'IF-021', 1, 404, 'HTTP 404']),
      );
      const txns = await Promise.all(seqs.map(async (s) => (await store.messageBySeq(s))!.transactionId));
      assert.ok(txns.includes(listed[0]!.transactionId!), 'a copy names its message’s transaction id');
      const pending = await everyPage(store, filter(), 4);
      assert.equal(pending.length, 9);
      assert.equal(new Set(pending.map((c) => c.id)).size, 9, 'no copy listed twice');
      assert.ok(pending.every((c) => !held.includes(c.id) && !dead.includes(c.id)));
      assert.deepEqual(
        (await store.listQueue(filter({ state: 'dead', createdBefore: T0 - 1 }), null, 10)).map((c) => c.id),
        [],
        'an age filter leaves out younger copies',
      );
    });

    test('copies of a parked endpoint are waiting for a webhook, not pending', async () => {
      const store = await fresh();
      await routed(store, 2);
      const { sup, ldso } = await endpoints(store);
      assert.ok(await store.releaseEndpoint(sup, null, true));
      assert.ok(await store.releaseEndpoint(ldso, null));
      const waiting = await store.listQueue(filter({ state: 'waiting' }), null, 10);
      assert.deepEqual(
        waiting.map((c) => [c.recipientId, c.state]),
        [
          [SUP, 'waiting'],
          [SUP, 'waiting'],
        ],
      );
      assert.equal(await store.countQueue(filter(), 10), 2, 'the distributor’s copies are pending');
    });

    test('a redrive makes held and dead copies pending and due now, closes the breaker, and journals it', async () => {
      const store = await fresh();
      const seqs = await routed(store, 4);
      const { sup, ldso } = await endpoints(store);
      const held = await fail(store, sup, 2, 'held');
      const dead = await fail(store, ldso, 1, 'dead');
      const now = T0 + 60_000;
      assert.deepEqual(await store.claimDueEndpoints(now, 10, 'x', 1), [], 'both breakers open');
      assert.deepEqual(await store.redriveCopies({ ids: [held[0]!, 999_999] }, now, '9000000001'), {
        changed: 1,
        more: false,
      });
      assert.equal(await store.countQueue(filter({ state: 'held' }), 10), 1);
      const claimed = await store.claimDueEndpoints(now, 10, 'x', 60_000);
      assert.deepEqual(
        claimed.map((e) => [e.role, e.breaker.state]),
        [['SUP', 'closed']],
        'the redriven endpoint is due now with its breaker closed',
      );
      const again = await store.pendingDeliveries(claimed[0]!, now, 10);
      assert.ok(
        again.some((d) => d.id === held[0] && d.firstFailureAt === null),
        'its retry period starts afresh',
      );
      await store.releaseEndpoint(claimed[0]!, null);
      const all = await store.redriveCopies(
        { filter: filter({ state: 'dead', recipientId: LDSO, role: 'LDSO', channel: 'IF-021' }) },
        now,
        '9000000001',
      );
      assert.deepEqual(all, { changed: 1, more: false });
      assert.equal(await store.countQueue(filter({ state: 'dead' }), 10), 0);
      assert.deepEqual(await store.redriveCopies({ ids: dead }, now, '9000000001'), { changed: 0, more: false });
      const journal = (await store.journalOf(seqs[0]!)).filter((e) => e.status === 'Redriven');
      assert.deepEqual(journal.map((e) => [e.stage, e.recipient, e.role, e.reason]).sort(), [
        ['Outbound', SUP, 'SUP', 'redriven by operator 9000000001'],
        ['Outbound', LDSO, 'LDSO', 'redriven by operator 9000000001'],
      ]);
    });
  });
}
