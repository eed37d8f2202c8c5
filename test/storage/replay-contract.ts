/**
 * The storage contract for replay and requeue: a recipient replays exactly what it was originally sent,
 * filtered and paged; a requeue copies it again for the delivery engine, one at a time per recipient and
 * channel, and reports its progress.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StandardResponseItem } from '../../src/domain/responses.js';
import type { ReplayQuery, Requeue, StatusReplayQuery } from '../../src/domain/replay.js';
import type { Store } from '../../src/storage/ports.js';
import { call, freshStores, inbound, message, type Backend } from './contract.js';

const SUP = '1000000001';
const LDSO = '1600000001';
const T0 = Date.UTC(2026, 9, 1, 12);
const MINUTE = 60_000;

/** Whatever the recipient received in, unless a test asks for fewer roles. */
const EVERY_ROLE = ['', 'SUP', 'LDSO'];

const query = (over: Partial<ReplayQuery> = {}): ReplayQuery => ({
  recipientId: SUP,
  roles: EVERY_ROLE,
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

const item = (n: number, over: Partial<StandardResponseItem> = {}): StandardResponseItem => ({
  transactionID: `T-${n}`,
  senderUniqueReference: `S-IF-021-1200000001-SDS-20261001-${n}`,
  correlationID: null,
  sentTimestamp: '2026-10-01T12:00:00+00:00',
  senderID: '0000000000',
  recipientID: '1200000001',
  DIPConnectionProviderID: null,
  message: 'MSG1037 - Cannot Resolve Secondary Recipient(s) for Missing MPAN',
  help: null,
  serviceTicketURL: null,
  ...over,
});

export function replayContract(backend: Backend): void {
  describe(`storage contract, replay and requeue: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    /** Message i arrives at T0 + i minutes, MPAN A for even i and B for odd, for the supplier (and the distributor when i < 3). */
    async function archive(store: Store, count: number): Promise<{ seq: number; transactionId: string }[]> {
      const out: { seq: number; transactionId: string }[] = [];
      for (let i = 0; i < count; i++) {
        const at = T0 + i * MINUTE;
        const seq = await store.reserveSequence(1, at);
        const m = message(seq, {
          receivedAt: at,
          mpan: i % 2 === 0 ? '1900000000013' : '1900000000022',
          eventCode: i === 4 ? '[Other]' : '[ActivePower]',
          schemaVersion: i === 5 ? '010' : '011',
        });
        const deliveries = [
          { messageSeq: seq, recipientId: SUP, role: 'SUP', channel: 'IF-021', publicationId: 'PUB-021' },
        ];
        if (i < 3)
          deliveries.push({
            messageSeq: seq,
            recipientId: LDSO,
            role: 'LDSO',
            channel: 'IF-021',
            publicationId: 'PUB-021',
          });
        const statusMessages =
          i === 0
            ? [
                {
                  recipientId: m.senderId,
                  role: m.senderRole,
                  messageSeq: seq,
                  item: item(0, { transactionID: m.transactionId }),
                },
              ]
            : [];
        await store.acceptBatch({
          messages: [m],
          journal: [{ ...inbound(m), at }],
          call: call({ at }),
          deliveries,
          statusMessages,
        });
        out.push({ seq, transactionId: m.transactionId });
      }
      return out;
    }
    const seqsOf = async (store: Store, q: ReplayQuery) => (await store.replayKeys(q, null, 100)).map((k) => k.seq);

    test('a recipient replays what it was sent, filtered by time, MPAN, event code, version and transaction id', async () => {
      const store = await fresh();
      const all = await archive(store, 6);
      const seqs = all.map((m) => m.seq);
      assert.deepEqual(await seqsOf(store, query()), seqs);
      assert.deepEqual((await store.replayKeys(query(), null, 10))[0], {
        seq: seqs[0],
        role: 'SUP',
        publicationId: 'PUB-021',
      });
      assert.deepEqual(
        await seqsOf(store, query({ recipientId: LDSO })),
        seqs.slice(0, 3),
        'the distributor got only three',
      );
      assert.deepEqual(
        await seqsOf(store, query({ recipientId: '1700000001' })),
        [],
        'nothing for one who was sent nothing',
      );
      assert.deepEqual(await seqsOf(store, query({ channel: 'IF-013' })), []);
      assert.deepEqual(
        await seqsOf(store, query({ from: T0 + 2 * MINUTE, to: T0 + 4 * MINUTE })),
        seqs.slice(2, 5),
        'both bounds inclusive',
      );
      assert.deepEqual(await seqsOf(store, query({ mpan: '1900000000022' })), [seqs[1], seqs[3], seqs[5]]);
      assert.deepEqual(await seqsOf(store, query({ eventCode: '[Other]' })), [seqs[4]]);
      assert.deepEqual(await seqsOf(store, query({ schemaVersion: '010' })), [seqs[5]]);
      assert.deepEqual(
        await seqsOf(store, query({ transactionIds: [all[3]!.transactionId, all[1]!.transactionId, 'T-unknown'] })),
        [seqs[1], seqs[3]],
      );
      assert.deepEqual(
        await seqsOf(store, query({ notBefore: T0 + 3 * MINUTE })),
        seqs.slice(3),
        'nothing past retention',
      );
    });

    test('pages follow one another from the cursor, each copy exactly once', async () => {
      const store = await fresh();
      const seqs = (await archive(store, 6)).map((m) => m.seq);
      const seen: number[] = [];
      let after = null;
      for (;;) {
        const page = await store.replayKeys(query(), after, 4);
        seen.push(...page.map((k) => k.seq));
        if (page.length < 4) break;
        after = page.at(-1)!;
      }
      assert.deepEqual(seen, seqs);
    });

    test('a requeue copies what matches, due now, as replays; one at a time per recipient and channel; progress follows its copies', async () => {
      const store = await fresh();
      const seqs = (await archive(store, 6)).map((m) => m.seq);
      const requeue = (id: string, at: number): Requeue => ({
        id,
        recipientId: SUP,
        channel: 'IF-021',
        requestedBy: SUP,
        request: { MPAN: null },
        createdAt: at,
        roles: ['SUP'],
      });
      const now = T0 + 10 * MINUTE;
      assert.equal(await store.startRequeue(requeue('1000000001-20261001-a1', now), query({ from: T0 + MINUTE })), 5);
      assert.equal(
        await store.startRequeue(requeue('1000000001-20261001-a2', now + 1), query()),
        null,
        'the first is still in progress',
      );
      const [progress] = await store.requeues(SUP, 'IF-021', null);
      assert.deepEqual(
        [
          progress!.id,
          progress!.total,
          progress!.pending,
          progress!.delivered,
          progress!.failed,
          progress!.requestedBy,
        ],
        ['1000000001-20261001-a1', 5, 5, 0, 0, SUP],
      );
      assert.deepEqual(progress!.request, { MPAN: null });
      assert.deepEqual(progress!.roles, ['SUP'], 'the roles it covers are kept');

      const endpoint = (await store.claimDueEndpoints(now, 10, 'w', 60_000)).find(
        (e) => e.recipientId === SUP && e.channel === 'IF-021',
      )!;
      const pending = (await store.pendingDeliveries(endpoint, now, 100)).filter(
        (d) => d.requeueId === '1000000001-20261001-a1',
      );
      assert.deepEqual(
        pending.map((d) => d.messageSeq),
        seqs.slice(1),
        'copies of the requeued messages, due now, marked as replays',
      );
      assert.deepEqual(
        await seqsOf(store, query()),
        seqs,
        'requeued copies are not themselves replayable: the originals are',
      );
      await store.recordAttempt({
        endpoint,
        at: now + 1,
        delivered: { ids: pending.slice(0, 4).map((d) => d.id), status: 201 },
        updates: [
          {
            id: pending[4]!.id,
            state: 'rejected',
            attempts: 1,
            firstFailureAt: null,
            nextAttemptAt: now + 1,
            lastStatus: 400,
            lastError: 'RCP1001',
          },
        ],
        journal: [],
        statusMessages: [],
        breaker: { state: 'closed', failures: 0 },
        notBefore: null,
      });
      const [done] = await store.requeues(SUP, 'IF-021', '1000000001-20261001-a1');
      assert.deepEqual([done!.pending, done!.delivered, done!.failed], [0, 4, 1]);
      assert.equal(
        await store.startRequeue(requeue('1000000001-20261001-a2', now + 2), query({ recipientId: SUP })),
        6,
        'a new one may start',
      );
      assert.deepEqual(
        (await store.requeues(SUP, 'IF-021', null)).map((r) => r.id),
        ['1000000001-20261001-a2', '1000000001-20261001-a1'],
        'newest first',
      );
      assert.deepEqual(await store.requeues(LDSO, 'IF-021', null), []);
    });

    test('status messages sent to a participant are replayed and requeued by time and by the ids they carry', async () => {
      const store = await fresh();
      const at = T0 + MINUTE;
      await store.addStatusMessages(
        [0, 1, 2].map((n) => ({
          recipientId: '1200000001',
          role: 'SDS',
          messageSeq: null,
          item: item(n, n === 2 ? { correlationID: 'CI-20261001-abc' } : {}),
        })),
        at,
      );
      await store.addStatusMessages([{ recipientId: '1300000001', role: 'SDS', messageSeq: null, item: item(9) }], at);
      const q = (over: Partial<StatusReplayQuery> = {}): StatusReplayQuery => ({
        recipientId: '1200000001',
        roles: ['', 'SDS'],
        from: T0,
        to: T0 + 2 * MINUTE,
        transactionId: null,
        senderUniqueReference: null,
        correlationId: null,
        notBefore: 0,
        ...over,
      });
      const ids = async (query: StatusReplayQuery) =>
        (await store.replayStatuses(query, null, 100)).map((s) => s.item.transactionID);
      assert.deepEqual(await ids(q()), ['T-0', 'T-1', 'T-2']);
      assert.deepEqual(await ids(q({ from: at + 1 })), []);
      assert.deepEqual(await ids(q({ transactionId: 'T-1' })), ['T-1']);
      assert.deepEqual(await ids(q({ senderUniqueReference: 'S-IF-021-1200000001-SDS-20261001-2' })), ['T-2']);
      assert.deepEqual(await ids(q({ correlationId: 'CI-20261001-abc' })), ['T-2']);
      const first = await store.replayStatuses(q(), null, 2);
      assert.deepEqual(
        (await store.replayStatuses(q(), first[1]!.id, 2)).map((s) => s.item.transactionID),
        ['T-2'],
        'paged by id',
      );
      const r: Requeue = {
        id: '1200000001-20261001-s1',
        recipientId: '1200000001',
        channel: 'STATUS',
        requestedBy: '1200000001',
        request: {},
        createdAt: at + 5,
        roles: ['SDS'],
      };
      assert.equal(await store.startRequeue(r, q()), 3);
      const endpoint = (await store.claimDueEndpoints(at + 5, 10, 'w', 60_000)).find(
        (e) => e.recipientId === '1200000001' && e.channel === 'STATUS',
      )!;
      assert.equal(
        (await store.pendingDeliveries(endpoint, at + 5, 100)).filter((d) => d.requeueId === r.id).length,
        3,
      );
      assert.equal((await store.requeues('1200000001', 'STATUS', null))[0]!.total, 3);
    });

    test('a participant holding two roles replays and requeues each apart; a requeue in one role does not hold up one in the other', async () => {
      const store = await fresh();
      const seqs: number[] = [];
      for (let i = 0; i < 4; i++) {
        const at = T0 + i * MINUTE;
        const seq = await store.reserveSequence(1, at);
        const m = message(seq, { receivedAt: at });
        // The supplier also distributes: it gets every message as SUP, and the odd ones as LDSO too.
        const deliveries = [
          { messageSeq: seq, recipientId: SUP, role: 'SUP', channel: 'IF-021', publicationId: 'PUB-021' },
        ];
        if (i % 2 === 1)
          deliveries.push({
            messageSeq: seq,
            recipientId: SUP,
            role: 'LDSO',
            channel: 'IF-021',
            publicationId: 'PUB-021',
          });
        await store.acceptBatch({ messages: [m], journal: [{ ...inbound(m), at }], call: call({ at }), deliveries });
        seqs.push(seq);
      }
      const keys = async (roles: string[]) =>
        (await store.replayKeys(query({ roles }), null, 100)).map((k) => `${k.seq}/${k.role}`);
      assert.deepEqual(
        await keys(['SUP']),
        seqs.map((s) => `${s}/SUP`),
      );
      assert.deepEqual(
        await keys(['LDSO']),
        [`${seqs[1]}/LDSO`, `${seqs[3]}/LDSO`],
        'a DCP acting for the LDSO role sees only the LDSO copies',
      );
      assert.equal((await keys(['', 'SUP', 'LDSO'])).length, 6);
      assert.deepEqual(await keys([]), [], 'no role, nothing');
      assert.deepEqual(await store.rolesAddressed(seqs[1]!, SUP), ['LDSO', 'SUP']);

      const now = T0 + 10 * MINUTE;
      const requeue = (id: string, roles: string[]): Requeue => ({
        id,
        recipientId: SUP,
        channel: 'IF-021',
        requestedBy: SUP,
        request: {},
        createdAt: now,
        roles,
      });
      assert.equal(await store.startRequeue(requeue('1000000001-20261001-r1', ['SUP']), query({ roles: ['SUP'] })), 4);
      assert.equal(
        await store.startRequeue(requeue('1000000001-20261001-r2', ['SUP']), query({ roles: ['SUP'] })),
        null,
        'SUP is still being requeued',
      );
      assert.equal(
        await store.startRequeue(requeue('1000000001-20261001-r3', ['LDSO']), query({ roles: ['LDSO'] })),
        2,
        'LDSO is not held up by SUP',
      );
      const claimed = await store.claimDueEndpoints(now, 10, 'w', 60_000);
      assert.deepEqual(
        claimed
          .filter((e) => e.recipientId === SUP)
          .map((e) => e.role)
          .sort(),
        ['LDSO', 'SUP'],
        'each role’s endpoint is due',
      );
      const ldso = claimed.find((e) => e.recipientId === SUP && e.role === 'LDSO')!;
      const requeued = (await store.pendingDeliveries(ldso, now, 100)).filter((d) => d.requeueId !== null);
      assert.deepEqual(
        requeued.map((d) => [d.messageSeq, d.requeueId]),
        [
          [seqs[1], '1000000001-20261001-r3'],
          [seqs[3], '1000000001-20261001-r3'],
        ],
      );
    });

    test('status messages are replayed in the role their recipient sent the message in; those kept before roles were only as the participant itself', async () => {
      const store = await fresh();
      const at = T0 + MINUTE;
      await store.addStatusMessages(
        [
          { recipientId: SUP, role: 'SUP', messageSeq: null, item: item(1) },
          { recipientId: SUP, role: 'LDSO', messageSeq: null, item: item(2) },
          { recipientId: SUP, role: '', messageSeq: null, item: item(3) },
        ],
        at,
      );
      const q = (roles: string[]): StatusReplayQuery => ({
        recipientId: SUP,
        roles,
        from: T0,
        to: T0 + 2 * MINUTE,
        transactionId: null,
        senderUniqueReference: null,
        correlationId: null,
        notBefore: 0,
      });
      const ids = async (roles: string[]) =>
        (await store.replayStatuses(q(roles), null, 100)).map((s) => s.item.transactionID);
      assert.deepEqual(await ids(['SUP']), ['T-1']);
      assert.deepEqual(await ids(['LDSO']), ['T-2']);
      assert.deepEqual(await ids(['', 'SUP', 'LDSO']), ['T-1', 'T-2', 'T-3']);
      const endpoints = await store.claimDueEndpoints(at, 10, 'w', 60_000);
      assert.deepEqual(
        endpoints
          .filter((e) => e.channel === 'STATUS')
          .map((e) => e.role)
          .sort(),
        ['', 'LDSO', 'SUP'],
        'each on the STATUS endpoint of its role',
      );
    });
  });
}
