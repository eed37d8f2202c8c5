/**
 * The storage contract for the waiting sweep: message copies of a parked endpoint (no webhook) past the cutoff
 * tell their sender once, marked and journaled in the same transaction; copies of an endpoint that is not
 * parked, copies younger than the cutoff and status copies tell nobody.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ArchivedMessage } from '../../src/domain/archive.js';
import type { CopyNotice } from '../../src/domain/release.js';
import type { Store } from '../../src/storage/ports.js';
import { freshStores, routeToSupplierAndDistributor, type Backend } from './contract.js';

const SUP = '1000000001';
const LDSO = '1600000001';
const SENDER = '1200000001';
const T0 = 1_800_000_000_000;
const REASON = 'waiting for a webhook; the sender was told';

const notice: CopyNotice = (m: ArchivedMessage, recipientId, role) => ({
  transactionID: m.transactionId,
  senderUniqueReference: m.senderUniqueReference,
  correlationID: null,
  sentTimestamp: '2027-01-15T08:00:00.000Z',
  senderID: '9999999999',
  recipientID: m.senderId,
  DIPConnectionProviderID: null,
  serviceTicketURL: null,
  message: 'MSG1000 - Message Processing Failed',
  help: `waiting: ${recipientId} ${role}`,
});

export function waitingContract(backend: Backend): void {
  describe(`storage contract, copies waiting for a webhook: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    async function routed(store: Store, n: number): Promise<number[]> {
      return routeToSupplierAndDistributor(store, n, { at: T0, supplier: SUP, distributor: LDSO });
    }

    test('a parked endpoint’s copies past the cutoff tell their sender once; nothing else tells anyone', async () => {
      const store = await fresh();
      const seqs = await routed(store, 3);
      const claimed = await store.claimDueEndpoints(T0 + 10_000, 10, 'engine', 60_000);
      assert.ok(
        await store.releaseEndpoint(
          claimed.find((e) => e.role === 'SUP')!,
          null,
          true,
        ),
        'parked',
      );
      assert.ok(
        await store.releaseEndpoint(
          claimed.find((e) => e.role === 'LDSO')!,
          T0 + 3_600_000,
        ),
      );

      assert.deepEqual(await store.noticeWaitingCopies(T0 - 1, T0 + 1, REASON, notice), { noticed: 0, more: false });
      for (const seq of seqs) assert.deepEqual(await store.statusMessagesOf(seq), [], 'too young to tell');

      const now = T0 + 3_600_000;
      assert.deepEqual(await store.noticeWaitingCopies(now - 60_000, now, REASON, notice), {
        noticed: 3,
        more: false,
      });
      for (const seq of seqs) {
        assert.deepEqual(
          (await store.statusMessagesOf(seq)).map((s) => [s.recipientId, s.role, s.item.help]),
          [[SENDER, 'SDS', `waiting: ${SUP} SUP`]],
          'the sender is told about the waiting copy only',
        );
        const journal = (await store.journalOf(seq)).filter((e) => e.status === 'WaitingForWebhook');
        assert.deepEqual(
          journal.map((e) => [e.stage, e.recipient, e.role, e.reason]),
          [['Outbound', SUP, 'SUP', REASON]],
        );
      }
      const copies = await store.deliveriesOf(seqs[0]!);
      assert.deepEqual(
        copies.map((c) => [c.recipientId, c.state]).sort(),
        [
          [SUP, 'pending'],
          [LDSO, 'pending'],
        ].sort(),
        'telling the sender changes no copy’s state',
      );

      assert.deepEqual(await store.noticeWaitingCopies(now, now + 60_000, REASON, notice), { noticed: 0, more: false });
      // The sender's own STATUS endpoint parked too: its copies (the notices) are walked, never told about.
      const statusEndpoint = (await store.claimDueEndpoints(now, 10, 'engine', 60_000)).find(
        (e) => e.channel === 'STATUS',
      )!;
      assert.ok(await store.releaseEndpoint(statusEndpoint, null, true));
      assert.deepEqual(await store.noticeWaitingCopies(now + 120_000, now + 180_000, REASON, notice), {
        noticed: 0,
        more: false,
      });
      for (const seq of seqs) assert.equal((await store.statusMessagesOf(seq)).length, 1, 'told once');
    });
  });
}
