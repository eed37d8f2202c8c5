/**
 * The storage contract for an operator's release: held and pending copies end dead, journaled, each message's
 * sender told once in the same transaction; an endpoint a runner holds keeps its copies; status copies are
 * released without a notice about them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ArchivedMessage } from '../../src/domain/archive.js';
import type { Endpoint } from '../../src/domain/delivery.js';
import type { QueueFilter } from '../../src/domain/queue.js';
import type { ReleaseNotice } from '../../src/domain/release.js';
import type { Store } from '../../src/storage/ports.js';
import { freshStores, routeToSupplierAndDistributor, type Backend } from './contract.js';

const SUP = '1000000001';
const LDSO = '1600000001';
const SENDER = '1200000001';
const OPERATOR = '9000000001';
const T0 = 1_800_000_000_000;

const filter = (over: Partial<QueueFilter>): QueueFilter => ({
  state: 'pending',
  recipientId: null,
  role: null,
  channel: null,
  createdBefore: null,
  ...over,
});

const notice: ReleaseNotice = (m: ArchivedMessage, recipientId, role) => ({
  transactionID: m.transactionId,
  senderUniqueReference: m.senderUniqueReference,
  correlationID: null,
  sentTimestamp: '2027-01-15T08:00:00.000Z',
  senderID: '9999999999',
  recipientID: m.senderId,
  DIPConnectionProviderID: null,
  serviceTicketURL: null,
  message: 'MSG1000 - Message Processing Failed',
  help: `given up: ${recipientId} ${role}`,
});

export function releaseContract(backend: Backend): void {
  describe(`storage contract, an operator's release: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    /** `n` IF-021 messages, each to the supplier and the distributor; both endpoints claimed by 'engine'. */
    async function routed(store: Store, n: number): Promise<{ seqs: number[]; sup: Endpoint; ldso: Endpoint }> {
      const seqs = await routeToSupplierAndDistributor(store, n, { at: T0, supplier: SUP, distributor: LDSO });
      const claimed = await store.claimDueEndpoints(T0 + 10_000, 10, 'engine', 60_000);
      const sup = claimed.find((e) => e.role === 'SUP')!;
      const ldso = claimed.find((e) => e.role === 'LDSO')!;
      return { seqs, sup, ldso };
    }

    /** Holds the endpoint's first copy (its claim ends) and returns its id. */
    async function holdFirst(store: Store, endpoint: Endpoint): Promise<number> {
      const [d] = await store.pendingDeliveries(endpoint, T0 + 10_000, 1);
      const ok = await store.recordAttempt({
        endpoint,
        at: T0 + 1_000,
        delivered: { ids: [], status: 404 },
        updates: [
          {
            id: d!.id,
            state: 'held',
            attempts: 1,
            firstFailureAt: T0 + 1_000,
            nextAttemptAt: T0 + 1_000,
            lastStatus: 404,
            lastError: 'HTTP 404',
          },
        ],
        journal: [],
        statusMessages: [],
        breaker: { state: 'closed', failures: 1 },
        notBefore: null,
      });
      assert.ok(ok);
      return d!.id;
    }

    test('held and pending copies end dead and journaled, each sender told once; a held endpoint is untouched', async () => {
      const store = await fresh();
      const { seqs, sup, ldso } = await routed(store, 3);
      const held = await holdFirst(store, sup);
      const ldsoCopies = (await store.pendingDeliveries(ldso, T0 + 10_000, 10)).map((d) => d.id);
      const release = (f: Partial<QueueFilter>) =>
        store.releaseCopies({ filter: filter(f) }, T0 + 5_000, OPERATOR, notice);

      assert.deepEqual(await release({ state: 'held', recipientId: SUP }), { changed: 1, more: false });
      assert.deepEqual(await release({ recipientId: SUP, channel: 'IF-021' }), { changed: 2, more: false });
      assert.deepEqual(await release({ recipientId: LDSO }), { changed: 0, more: false }, 'a held endpoint');
      assert.deepEqual(await store.releaseCopies({ ids: ldsoCopies }, T0 + 5_000, OPERATOR, notice), {
        changed: 0,
        more: false,
      });
      assert.equal(await store.countQueue(filter({ state: 'dead', recipientId: SUP }), 10), 3);
      assert.equal(await store.countQueue(filter({ recipientId: SUP }), 10), 0);
      assert.equal(await store.countQueue(filter({ recipientId: LDSO }), 10), 3, 'the runner’s copies stay pending');
      const [dead] = await store.listQueue(filter({ state: 'dead', recipientId: SUP }), null, 1);
      assert.equal(dead!.lastError, `released by operator ${OPERATOR}`);

      for (const seq of seqs) {
        const notices = await store.statusMessagesOf(seq);
        assert.deepEqual(
          notices.map((n) => [n.recipientId, n.role, n.item.help, n.state]),
          [[SENDER, 'SDS', `given up: ${SUP} SUP`, 'pending']],
          'the sender is told, in the role it sent in',
        );
        const journal = (await store.journalOf(seq)).filter((e) => e.status === 'Released');
        assert.deepEqual(
          journal.map((e) => [e.stage, e.recipient, e.role, e.reason]),
          [['Outbound', SUP, 'SUP', `released by operator ${OPERATOR}`]],
        );
      }
      const copies = await store.deliveriesOf(seqs[0]!);
      assert.deepEqual(copies.find((c) => c.id === held)?.state, 'dead');

      assert.deepEqual(await release({ state: 'held', recipientId: SUP }), { changed: 0, more: false });
      assert.deepEqual(await store.releaseCopies({ ids: [held] }, T0 + 6_000, OPERATOR, notice), {
        changed: 0,
        more: false,
      });
      for (const seq of seqs) assert.equal((await store.statusMessagesOf(seq)).length, 1, 'no second notice');
    });

    test('status copies are released without a notice about them', async () => {
      const store = await fresh();
      const { seqs, sup } = await routed(store, 2);
      assert.equal(
        (await store.releaseCopies({ filter: filter({ recipientId: SUP }) }, T0, OPERATOR, notice)).changed,
        0,
      );
      await store.releaseEndpoint(sup, null);
      assert.equal(
        (await store.releaseCopies({ filter: filter({ recipientId: SUP }) }, T0, OPERATOR, notice)).changed,
        2,
      );
      const toSender = await store.releaseCopies(
        { filter: filter({ recipientId: SENDER, channel: 'STATUS' }) },
        T0 + 1,
        OPERATOR,
        notice,
      );
      assert.deepEqual(toSender, { changed: 2, more: false });
      for (const seq of seqs) {
        assert.deepEqual(
          (await store.statusMessagesOf(seq)).map((n) => n.state),
          ['dead'],
          'the notice itself was released, and nothing told about it',
        );
      }
    });
  });
}
