/**
 * The storage contract for evidence (seed §7, repudiation): what a caller signed is kept with the call's
 * record, in the same transaction as the messages it brought, and read back exactly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CallEvidence } from '../../src/domain/evidence.js';
import type { JournalEntry } from '../../src/domain/archive.js';
import { call, freshStores, inbound, message, type Backend } from './contract.js';

let n = 0;
/** Evidence as the DIP keeps it, with values unlike each other so that a swapped column shows. */
export function evidence(over: Partial<CallEvidence> = {}): CallEvidence {
  n++;
  return {
    signerId: '1200000001',
    method: 'POST',
    url: `https://dip.example:8443/1.1/dip-channel/IF-021?n=${n}`,
    signatureDate: `2026-11-28T10:00:0${n % 10}.123Z`,
    contentHash: `Hash${n}+/abc=`,
    certificateHeader: 'X-DIP-Signature-Certificate',
    certificate: `LS0tLS1CRUdJTi${n}`.padEnd(1600, 'A'),
    signature: `Sig${n}/xyz==`,
    certificateFingerprint: `${n}`.padStart(64, 'f'),
    bodySha256: `${n}`.padStart(64, '0'),
    ...over,
  };
}

export function evidenceContract(backend: Backend): void {
  describe(`storage contract, evidence: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    test('a batch’s evidence is committed with it and read back exactly, by request id and with the call', async () => {
      const store = await fresh();
      const first = await store.reserveSequence(2);
      const e = evidence({ certificateHeader: 'X-DIP-Certificate' });
      const c = call({ messages: 2, accepted: 2, evidence: e });
      const msgs = [message(first, { requestId: c.requestId }), message(first + 1, { requestId: c.requestId })];
      await store.acceptBatch({ messages: msgs, journal: msgs.map(inbound), call: c });

      assert.deepEqual(
        await store.evidenceOf([c.requestId, c.requestId, 'no-such-request']),
        new Map([[c.requestId, e]]),
      );
      const [listed] = await store.searchCalls({}, null, null, 1);
      assert.deepEqual(listed!.evidence, e, 'the call listing carries it');
      assert.deepEqual((await store.recentCalls(1))[0]!.evidence, e);
      for (const m of msgs)
        assert.equal((await store.messageBySeq(m.seq))!.requestId, c.requestId, 'each message leads to it');
    });

    test('evidence rides with calls recorded without messages, alone and in bulk; a call without any reads back null', async () => {
      const store = await fresh();
      const refused = call({ status: 400, accepted: 0, evidence: evidence() });
      const journal: JournalEntry = {
        ...inbound(message(1)),
        messageSeq: null,
        transactionId: null,
        status: 'InboundRuleFailure',
        statusCode: 400,
      };
      await store.recordCall(refused, [journal]);
      const buffered = [
        call({ method: 'DELETE', evidence: evidence({ method: 'DELETE' }) }),
        call({ status: 401, evidence: null }),
        call(),
      ];
      await store.recordCalls(buffered);

      const kept = await store.evidenceOf([refused, ...buffered].map((c) => c.requestId));
      assert.deepEqual(
        kept,
        new Map([
          [refused.requestId, refused.evidence!],
          [buffered[0]!.requestId, buffered[0]!.evidence!],
        ]),
      );
      const listed = await store.searchCalls({}, null, null, 10);
      assert.deepEqual(
        listed.map((c) => c.evidence),
        [null, null, buffered[0]!.evidence, refused.evidence],
        'newest first, null where none was kept',
      );
    });

    test('the same request recorded twice keeps its evidence once', async () => {
      const store = await fresh();
      const e = evidence();
      const c = call({ evidence: e });
      await store.recordCalls([c, { ...c, status: 500 }]);
      await store.recordCall({ ...c, status: 500 });
      assert.deepEqual(await store.evidenceOf([c.requestId]), new Map([[c.requestId, e]]));
    });

    test('evidence that cannot be stored fails the whole batch: its messages are not archived either', async () => {
      const store = await fresh();
      const seq = await store.reserveSequence(1);
      // The evidence is the last thing the batch writes; a value the table refuses must undo everything before it.
      const c = call({ evidence: evidence({ signerId: null as unknown as string }) });
      const m = message(seq, { requestId: c.requestId });
      await assert.rejects(store.acceptBatch({ messages: [m], journal: [inbound(m)], call: c }));
      assert.equal(await store.messageBySeq(seq), null);
      assert.deepEqual(await store.journalOf(seq), []);
      assert.deepEqual(await store.existingReferences([m.senderUniqueReference]), new Set());
      assert.deepEqual(await store.evidenceOf([c.requestId]), new Map());
      assert.equal((await store.searchCalls({}, null, null, 10)).length, 0, 'nor its call');
    });
  });
}
