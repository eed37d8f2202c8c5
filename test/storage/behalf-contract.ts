/**
 * The storage contract for an operator acting on a participant's behalf: the call's audit record names the
 * operator as caller and the participant acted for; a requeue given a journal reason journals every copy it
 * makes, in its own transaction, and one without journals none.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ReplayQuery, Requeue, StatusReplayQuery } from '../../src/domain/replay.js';
import type { Store } from '../../src/storage/ports.js';
import { call, freshStores, inbound, message, type Backend } from './contract.js';

const SUP = '1000000001';
const OPERATOR = '9000000001';
const T0 = Date.UTC(2026, 9, 1, 12);

const query = (over: Partial<ReplayQuery> = {}): ReplayQuery => ({
  recipientId: SUP,
  roles: ['', 'SUP'],
  channel: 'IF-021',
  from: null,
  to: null,
  eventCode: null,
  mpan: null,
  schemaVersion: null,
  transactionIds: null,
  notBefore: 0,
  ...over,
});

const requeue = (id: string, at: number, journalReason: string | null): Requeue => ({
  id,
  recipientId: SUP,
  channel: 'IF-021',
  requestedBy: OPERATOR,
  request: { MPAN: null },
  createdAt: at,
  roles: ['', 'SUP'],
  journalReason,
});

/** Three IF-021 messages for the supplier, one a minute from T0. */
async function archive(store: Store): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const at = T0 + i * 60_000;
    const seq = await store.reserveSequence(1, at);
    const m = message(seq, { receivedAt: at });
    await store.acceptBatch({
      messages: [m],
      journal: [{ ...inbound(m), at }],
      call: call({ at }),
      deliveries: [{ messageSeq: seq, recipientId: SUP, role: 'SUP', channel: 'IF-021', publicationId: 'PUB-021' }],
      statusMessages: [],
    });
    seqs.push(seq);
  }
  return seqs;
}

export function behalfContract(backend: Backend): void {
  describe(`storage contract, on a participant's behalf: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    test('a call made for a participant is read back naming the operator and the participant; one made as oneself names none', async () => {
      const store = await fresh();
      await store.recordCalls([
        call({ at: T0, requestId: 'own', callerId: SUP }),
        call({ at: T0 + 1, requestId: 'behalf', callerId: OPERATOR, onBehalfOf: SUP }),
      ]);
      const [behalf, own] = await store.recentCalls(2);
      assert.deepEqual([behalf!.requestId, behalf!.callerId, behalf!.onBehalfOf], ['behalf', OPERATOR, SUP]);
      assert.deepEqual([own!.requestId, own!.callerId, own!.onBehalfOf], ['own', SUP, null]);
      const listed = await store.searchCalls({}, [OPERATOR], null, 10);
      assert.deepEqual(
        listed.map((c) => [c.requestId, c.onBehalfOf]),
        [['behalf', SUP]],
        'the audit search shows whom the operator acted for',
      );
    });

    test('a requeue with a journal reason journals each copy it makes as Requeued with that reason; one without, none', async () => {
      const store = await fresh();
      const seqs = await archive(store);
      const reason = `requeued by operator ${OPERATOR} for ${SUP}`;
      const now = T0 + 10 * 60_000;
      assert.equal(await store.startRequeue(requeue('1000000001-20261001-b1', now, reason), query()), 3);
      for (const seq of seqs) {
        const requeued = (await store.journalOf(seq)).filter((e) => e.status === 'Requeued');
        assert.deepEqual(
          requeued.map((e) => [e.at, e.stage, e.recipient, e.role, e.reason, e.messageSeq]),
          [[now, 'Outbound', SUP, 'SUP', reason, seq]],
        );
      }
      // The first requeue's copies are pending: none may start, and a refused one journals nothing.
      assert.equal(await store.startRequeue(requeue('1000000001-20261001-b2', now + 1, reason), query()), null);
      assert.equal((await store.journalOf(seqs[0]!)).filter((e) => e.status === 'Requeued').length, 1);

      const other = await fresh();
      const again = await archive(other);
      assert.equal(await other.startRequeue(requeue('1000000001-20261001-c1', now, null), query()), 3);
      assert.deepEqual(
        (await other.journalOf(again[0]!)).map((e) => e.status),
        ['GoodToGo'],
        'a requeue without a journal reason journals nothing: only the inbound entry',
      );
    });

    test('a status message requeued with a journal reason is journaled on the message it is about', async () => {
      const store = await fresh();
      const [seq] = await archive(store);
      const about = (await store.messageBySeq(seq!))!;
      const at = T0 + 5 * 60_000;
      await store.addStatusMessages(
        [
          {
            recipientId: about.senderId,
            role: about.senderRole,
            messageSeq: seq!,
            item: {
              transactionID: about.transactionId,
              senderUniqueReference: about.senderUniqueReference,
              correlationID: null,
              sentTimestamp: '2026-10-01T12:00:00+00:00',
              senderID: '0000000000',
              recipientID: about.senderId,
              DIPConnectionProviderID: null,
              message: 'MSG1037 - Cannot Resolve Secondary Recipient(s) for Missing MPAN',
              help: null,
              serviceTicketURL: null,
            },
          },
        ],
        at,
      );
      const q: StatusReplayQuery = {
        recipientId: about.senderId,
        roles: ['', about.senderRole],
        from: T0,
        to: at,
        transactionId: null,
        senderUniqueReference: null,
        correlationId: null,
        notBefore: 0,
      };
      const reason = `requeued by operator ${OPERATOR} for ${about.senderId}`;
      const r: Requeue = {
        ...requeue(`${about.senderId}-20261001-s1`, at + 1, reason),
        recipientId: about.senderId,
        channel: 'STATUS',
        roles: q.roles,
      };
      assert.equal(await store.startRequeue(r, q), 1);
      const requeued = (await store.journalOf(seq!)).filter((e) => e.status === 'Requeued');
      assert.deepEqual(
        requeued.map((e) => [e.stage, e.channel, e.recipient, e.role, e.reason, e.transactionId]),
        [['StatusMessage', 'STATUS', about.senderId, about.senderRole, reason, about.transactionId]],
      );
    });
  });
}
