/**
 * The storage contract for housekeeping: expired leases are rescued, and what is past retention is purged
 * with everything that refers to it, while what is within it stays.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../../src/storage/ports.js';
import { call, freshStores, inbound, message, type Backend } from './contract.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 28, 12);
const RETENTION = { longestMs: 730 * DAY, shorter: [] };

export function housekeepingContract(backend: Backend): void {
  describe(`storage contract, housekeeping: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    /** One message received at `at`, copied to the supplier, with its journal. */
    async function archived(store: Store, at: number, sur: string): Promise<number> {
      const seq = await store.reserveSequence(1, at);
      const m = message(seq, { receivedAt: at, senderUniqueReference: sur });
      await store.acceptBatch({
        messages: [m],
        journal: [{ ...inbound(m), at }],
        call: call({ at }),
        deliveries: [
          { messageSeq: seq, recipientId: '1000000001', role: 'SUP', channel: 'IF-021', publicationId: 'PUB-021' },
        ],
        statusMessages: [
          {
            recipientId: m.senderId,
            role: m.senderRole,
            messageSeq: seq,
            item: {
              transactionID: m.transactionId,
              senderUniqueReference: sur,
              correlationID: null,
              sentTimestamp: '2024-01-01T00:00:00+00:00',
              senderID: '9999999999',
              recipientID: m.senderId,
              DIPConnectionProviderID: null,
              message: 'MSG1030 - Msg Addressing / Routing Error',
              help: null,
              serviceTicketURL: null,
            },
          },
        ],
      });
      return seq;
    }

    test('one process leads housekeeping at a time, and it rescues expired leases', async () => {
      const store = await fresh();
      assert.equal(await store.leadHousekeeping(), true);
      assert.equal(await store.leadHousekeeping(), true, 'the leader stays the leader');
      await archived(store, NOW, 'S-lease');
      const claimed = await store.claimDueEndpoints(NOW, 10, 'dead-worker', 1_000);
      assert.equal(claimed.length, 2, 'the supplier’s copy and the sender’s status message');
      assert.equal((await store.housekeeping(NOW + 500, RETENTION)).leasesRescued, 0, 'a live lease is left alone');
      assert.equal((await store.housekeeping(NOW + 1_001, RETENTION)).leasesRescued, 2);
      assert.equal(
        (await store.claimDueEndpoints(NOW + 1_001, 10, 'other', 1_000)).length,
        2,
        'the endpoint is claimable again',
      );
    });

    test('messages past retention are purged with their journal, copies, status messages and SURs; newer ones stay', async () => {
      const store = await fresh();
      const old = await archived(store, NOW - 800 * DAY, 'S-old');
      const kept = await archived(store, NOW - 100 * DAY, 'S-kept');
      const report = await store.housekeeping(NOW, RETENTION);
      assert.equal(report.messagesPurged, 1);
      assert.equal(await store.messageBySeq(old), null);
      assert.deepEqual(await store.journalOf(old), []);
      assert.deepEqual(await store.deliveriesOf(old), []);
      assert.deepEqual(await store.statusMessagesOf(old), []);
      assert.deepEqual(await store.existingReferences(['S-old', 'S-kept']), new Set(['S-kept']));
      assert.equal((await store.messageBySeq(kept))?.senderUniqueReference, 'S-kept');
      assert.equal((await store.journalOf(kept)).length, 1);
      assert.equal((await store.deliveriesOf(kept)).length, 1);
      assert.equal((await store.statusMessagesOf(kept)).length, 1);
      assert.equal((await store.housekeeping(NOW, RETENTION)).messagesPurged, 0, 'a second run finds nothing more');
    });

    test('a channel kept for less than the longest retention is purged sooner, the others not', async () => {
      const store = await fresh();
      const old021 = await archived(store, NOW - 100 * DAY, 'S-021');
      const seq = await store.reserveSequence(1, NOW - 100 * DAY);
      const m013 = message(seq, { channel: 'IF-013', receivedAt: NOW - 100 * DAY, senderUniqueReference: 'S-013' });
      await store.acceptBatch({
        messages: [m013],
        journal: [{ ...inbound(m013), at: m013.receivedAt }],
        call: call({ at: m013.receivedAt }),
      });
      const report = await store.housekeeping(NOW, {
        longestMs: 730 * DAY,
        shorter: [
          { channel: 'IF-021', ms: 90 * DAY },
          { channel: 'IF-006', ms: 30 * DAY },
        ],
      });
      assert.equal(report.messagesPurged, 1);
      assert.equal(await store.messageBySeq(old021), null);
      assert.deepEqual(await store.journalOf(old021), []);
      assert.deepEqual(await store.deliveriesOf(old021), []);
      assert.deepEqual(await store.statusMessagesOf(old021), []);
      assert.deepEqual(await store.existingReferences(['S-021', 'S-013']), new Set(['S-013']));
      assert.equal((await store.messageBySeq(seq))?.channel, 'IF-013', 'IF-013 keeps the default');
    });
  });
}
