/**
 * The storage contract for pauses (migration 0008): saved, replaced, listed and ended; kept across a
 * reopen; and a delivery pause keeps its endpoints from being claimed or scheduled, by endpoint, by
 * recipient or by channel, until it ends, while ingress pauses leave delivery alone.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewDelivery } from '../../src/domain/archive.js';
import { ANY, type Pause, type PauseScope } from '../../src/domain/pause.js';
import type { Store } from '../../src/storage/ports.js';
import { call, freshStores, inbound, message, type Backend } from './contract.js';

const SUP = '1000000001';
const SUP2 = '1000000002';
const LDSO = '1600000001';
const T0 = 1_800_000_000_000;
const OP = '9000000001';

const pause = (scope: Partial<PauseScope>, over: Partial<Pause> = {}): Pause => ({
  kind: 'delivery',
  channel: 'IF-021',
  recipientId: ANY,
  role: ANY,
  reason: null,
  retryAfterSeconds: null,
  pausedBy: OP,
  pausedAt: T0,
  ...scope,
  ...over,
});

export function pauseContract(backend: Backend): void {
  describe(`storage contract, pauses: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    /** One IF-021 message to SUP, SUP2 and LDSO, and one IF-004 message to SUP: four endpoints due at T0. */
    async function routed(store: Store): Promise<void> {
      const first = await store.reserveSequence(2);
      const msgs = [0, 1].map((i) => ({
        ...message(first + i),
        channel: i === 0 ? 'IF-021' : 'IF-004',
        receivedAt: T0,
      }));
      const deliveries: NewDelivery[] = [
        { messageSeq: first, recipientId: SUP, role: 'SUP', channel: 'IF-021', publicationId: 'PUB-021' },
        { messageSeq: first, recipientId: SUP2, role: 'SUP', channel: 'IF-021', publicationId: 'PUB-021' },
        { messageSeq: first, recipientId: LDSO, role: 'LDSO', channel: 'IF-021', publicationId: 'PUB-021' },
        { messageSeq: first + 1, recipientId: SUP, role: 'SUP', channel: 'IF-004', publicationId: 'PUB-004' },
      ];
      await store.acceptBatch({
        messages: msgs,
        journal: msgs.map(inbound),
        call: call({ at: T0, messages: 2, accepted: 2 }),
        deliveries,
      });
    }

    const claimable = async (store: Store): Promise<string[]> => {
      const claimed = await store.claimDueEndpoints(T0 + 10_000, 10, 'probe', 1);
      // A lease of 1 ms: the next probe, later than it, may claim them again.
      for (const e of claimed) await store.releaseEndpoint(e, null);
      return claimed.map((e) => `${e.recipientId}/${e.channel}/${e.role}`).sort();
    };

    test('pauses are saved, replaced by scope, listed and ended', async () => {
      const store = await fresh();
      assert.deepEqual(await store.listPauses(), []);
      const ingress = pause({ kind: 'ingress', channel: ANY }, { reason: 'upgrade', retryAfterSeconds: 120 });
      await store.savePause(ingress);
      await store.savePause(pause({ recipientId: SUP, role: 'SUP' }));
      await store.savePause({ ...ingress, reason: 'upgrade, second window', pausedAt: T0 + 5 });
      const listed = await store.listPauses();
      assert.equal(listed.length, 2, 'the same scope is one pause');
      assert.deepEqual(
        listed.find((p) => p.kind === 'ingress'),
        { ...ingress, reason: 'upgrade, second window', pausedAt: T0 + 5 },
      );
      assert.equal(
        await store.deletePause({ kind: 'delivery', channel: 'IF-021', recipientId: SUP, role: ANY }),
        false,
      );
      assert.equal(
        await store.deletePause({ kind: 'delivery', channel: 'IF-021', recipientId: SUP, role: 'SUP' }),
        true,
      );
      assert.equal(
        await store.deletePause({ kind: 'delivery', channel: 'IF-021', recipientId: SUP, role: 'SUP' }),
        false,
      );
      assert.deepEqual(
        (await store.listPauses()).map((p) => p.kind),
        ['ingress'],
      );
    });

    if (backend.reopen) {
      test('a pause outlives the store being closed and opened again', async () => {
        const store = await backend.open();
        await store.savePause(pause({ kind: 'ingress', channel: 'IF-021' }, { reason: 'kept' }));
        await store.close();
        const again = await backend.reopen!();
        try {
          assert.deepEqual(
            (await again.listPauses()).map((p) => [p.kind, p.channel, p.reason]),
            [['ingress', 'IF-021', 'kept']],
          );
        } finally {
          await again.close();
        }
      });
    }

    test('a paused endpoint is neither claimed nor scheduled until its pause ends', async () => {
      const store = await fresh();
      await routed(store);
      const all = [`${LDSO}/IF-021/LDSO`, `${SUP}/IF-004/SUP`, `${SUP}/IF-021/SUP`, `${SUP2}/IF-021/SUP`].sort();
      assert.deepEqual(await claimable(store), all);

      const one = pause({ recipientId: SUP, role: 'SUP' });
      await store.savePause(one);
      assert.deepEqual(
        await claimable(store),
        all.filter((e) => e !== `${SUP}/IF-021/SUP`),
      );

      const wholeChannel = pause({});
      await store.savePause(wholeChannel);
      assert.deepEqual(await claimable(store), [`${SUP}/IF-004/SUP`], 'the other channel is served');
      assert.deepEqual(
        (await store.earliestDueByChannel()).map((d) => d.channel),
        ['IF-004'],
        'a paused channel has no backlog age',
      );
      await store.savePause(pause({ channel: 'IF-004', recipientId: SUP }));
      assert.deepEqual(await claimable(store), [], 'a recipient on a channel, every role');
      assert.equal(await store.earliestDue(), null, 'nothing is due while everything is paused');

      await store.savePause(pause({ kind: 'ingress', channel: ANY }));
      assert.deepEqual(await claimable(store), [], 'ingress pauses change nothing here');
      await store.deletePause(wholeChannel);
      await store.deletePause({ kind: 'delivery', channel: 'IF-004', recipientId: SUP, role: ANY });
      assert.deepEqual(
        await claimable(store),
        all.filter((e) => e !== `${SUP}/IF-021/SUP`),
      );
      await store.deletePause(one);
      assert.deepEqual(await claimable(store), all, 'resumed endpoints are due at once, their copies kept');
      assert.equal(await store.earliestDue(), T0);
    });

    test('a pause covers status-message endpoints by the STATUS channel', async () => {
      const store = await fresh();
      await store.addStatusMessages(
        [
          {
            recipientId: SUP,
            role: 'SUP',
            messageSeq: null,
            item: {
              transactionID: null,
              senderUniqueReference: null,
              correlationID: null,
              senderID: SUP,
              recipientID: SUP,
              DIPConnectionProviderID: null,
              message: 'MSG1000 - Message Processing Failed',
              help: 'h',
              sentTimestamp: '2027-01-15T00:00:00.000Z',
              serviceTicketURL: null,
            },
          },
        ],
        T0,
      );
      assert.deepEqual(await claimable(store), [`${SUP}/STATUS/SUP`]);
      await store.savePause(pause({ channel: 'STATUS' }));
      assert.deepEqual(await claimable(store), []);
    });
  });
}
