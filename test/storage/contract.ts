/**
 * The storage contract: one suite, run against every backend. A backend is correct when it passes
 * this unchanged.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { ApiCall, ArchivedMessage, JournalEntry, NewDelivery } from '../../src/domain/archive.js';
import type { Store } from '../../src/storage/ports.js';

export interface Backend {
  name: string;
  /** A fresh, empty store. */
  open(): Promise<Store>;
  /** Reopens the store last opened (same database), to test durability; omit when not applicable. */
  reopen?(): Promise<Store>;
}

let counter = 0;
export const call = (over: Partial<ApiCall> = {}): ApiCall => ({
  at: Date.now(),
  requestId: `r${++counter}`,
  callerId: '1200000001',
  method: 'POST',
  path: '/1.1/dip-channel/IF-021',
  channel: 'IF-021',
  status: 201,
  messages: 1,
  accepted: 1,
  durationMs: 3,
  remote: '127.0.0.1',
  outcome: 'ok',
  ...over,
});

export function message(seq: number, over: Partial<ArchivedMessage> = {}): ArchivedMessage {
  return {
    seq,
    transactionId: `T-IF-021-1200000001-SDS-20240101-${seq.toString(16).toUpperCase().padStart(16, '0')}`,
    channel: 'IF-021',
    eventCode: '[ActivePower]',
    schemaVersion: '011',
    senderUniqueReference: `S-IF-021-1200000001-SDS-20240101-${seq}x${counter}`,
    senderId: '1200000001',
    senderRole: 'SDS',
    dcpId: null,
    callerId: '1200000001',
    correlationId: null,
    senderCorrelationId: null,
    mpan: '1234567890126',
    receivedAt: 1_700_000_000_000 + seq,
    requestId: 'req',
    payload: Buffer.from(JSON.stringify({ CommonBlock: { n: seq } })),
    recipients: null,
    ...over,
  };
}

export const inbound = (m: ArchivedMessage): JournalEntry => ({
  at: m.receivedAt,
  stage: 'Inbound',
  status: 'GoodToGo',
  statusCode: 201,
  messageSeq: m.seq,
  transactionId: m.transactionId,
  senderUniqueReference: m.senderUniqueReference,
  channel: m.channel,
  eventCode: m.eventCode,
  senderId: m.senderId,
  mpan: m.mpan,
  correlationId: m.correlationId,
  recipient: null,
  role: null,
  message: 'MSG0000 - Success',
  reason: null,
  durationMs: 1,
});

/** Opens a fresh store per call, each closed after the test that opened it (call inside a describe). */
export function freshStores(backend: Backend): () => Promise<Store> {
  const open: Store[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async () => {
    const s = await backend.open();
    open.push(s);
    return s;
  };
}

export function storageContract(backend: Backend): void {
  describe(`storage contract: ${backend.name}`, () => {
    let store: Store;
    before(async () => {
      store = await backend.open();
    });
    after(async () => store.close());
    beforeEach(() => counter++);

    test('sequence numbers are reserved in blocks that never overlap and only grow', async () => {
      const a = await store.reserveSequence(10);
      const b = await store.reserveSequence(1);
      const c = await store.reserveSequence(5000);
      assert.ok(a >= 1);
      assert.equal(b, a + 10);
      assert.equal(c, b + 1);
      const parallel = await Promise.all(Array.from({ length: 20 }, () => store.reserveSequence(3)));
      const taken = parallel.flatMap((s) => [s, s + 1, s + 2]);
      assert.equal(new Set(taken).size, taken.length);
    });

    test('a batch is archived with its journal and audit record, and read back exactly', async () => {
      const first = await store.reserveSequence(2);
      const msgs = [message(first, { correlationId: 'CI-20240101-ab', dcpId: '1900000001' }), message(first + 1)];
      const { duplicates } = await store.acceptBatch({
        messages: msgs,
        journal: msgs.map(inbound),
        call: call({ messages: 2, accepted: 2 }),
      });
      assert.equal(duplicates.size, 0);
      for (const m of msgs) {
        assert.deepEqual(await store.messageBySeq(m.seq), m);
        assert.deepEqual(await store.messageByReference(m.senderUniqueReference), m);
        assert.deepEqual(await store.journalOf(m.seq), [inbound(m)]);
        assert.deepEqual(await store.journalOfReference(m.senderUniqueReference), [inbound(m)]);
      }
      const [audit] = await store.recentCalls(1);
      assert.equal(audit!.accepted, 2);
      assert.equal(await store.messageBySeq(first + 1000), null);
    });

    test('a SUR is accepted once: later batches report it as a duplicate and store nothing for it', async () => {
      const s = await store.reserveSequence(3);
      const original = message(s);
      await store.acceptBatch({ messages: [original], journal: [inbound(original)], call: call() });
      assert.deepEqual(
        await store.existingReferences([original.senderUniqueReference, 'S-none']),
        new Set([original.senderUniqueReference]),
      );
      const copy = message(s + 1, { senderUniqueReference: original.senderUniqueReference });
      const fresh = message(s + 2);
      const before = await store.countMessages();
      const { duplicates } = await store.acceptBatch({
        messages: [copy, fresh],
        journal: [inbound(copy), inbound(fresh)],
        call: call({ messages: 2, accepted: 2 }),
      });
      assert.deepEqual(duplicates, new Set([original.senderUniqueReference]));
      assert.equal(await store.countMessages(), before + 1);
      assert.equal(await store.messageBySeq(copy.seq), null);
      assert.deepEqual(await store.messageByReference(original.senderUniqueReference), original);
      assert.equal((await store.recentCalls(1))[0]!.accepted, 1);
      const trail = await store.journalOfReference(original.senderUniqueReference);
      assert.deepEqual(trail, [inbound(original)], 'the archived message keeps its own journal');
    });

    test('messages the DIP made from a message that lost its SUR are dropped with it, and kept with one that did not', async () => {
      const s = await store.reserveSequence(5);
      const original = message(s);
      await store.acceptBatch({ messages: [original], journal: [inbound(original)], call: call() });
      const again = message(s + 1, { senderUniqueReference: original.senderUniqueReference });
      const madeFromAgain = message(s + 2, { channel: 'IF-016' });
      const other = message(s + 3);
      const madeFromOther = message(s + 4, { channel: 'IF-016' });
      const { duplicates } = await store.acceptBatch({
        messages: [again, other, madeFromAgain, madeFromOther],
        journal: [again, other, madeFromAgain, madeFromOther].map(inbound),
        call: call({ messages: 2, accepted: 2 }),
        derivedFrom: new Map([
          [madeFromAgain.seq, again.seq],
          [madeFromOther.seq, other.seq],
        ]),
        deliveries: [madeFromAgain, madeFromOther].map((m) => ({
          messageSeq: m.seq,
          recipientId: '1200000002',
          role: 'ADS',
          channel: 'IF-016',
          publicationId: 'PUB-016',
        })),
      });
      assert.deepEqual(duplicates, new Set([original.senderUniqueReference]));
      assert.equal(await store.messageBySeq(madeFromAgain.seq), null);
      assert.deepEqual(await store.journalOf(madeFromAgain.seq), []);
      assert.deepEqual(
        await store.existingReferences([madeFromAgain.senderUniqueReference, madeFromOther.senderUniqueReference]),
        new Set([madeFromOther.senderUniqueReference]),
      );
      assert.deepEqual(await store.rolesAddressed(madeFromAgain.seq, '1200000002'), []);
      assert.deepEqual(await store.messageBySeq(madeFromOther.seq), madeFromOther);
      assert.deepEqual(await store.rolesAddressed(madeFromOther.seq, '1200000002'), ['ADS']);
    });

    test('concurrent batches with the same SUR archive it exactly once', async () => {
      const s = await store.reserveSequence(8);
      const sur = `S-IF-021-1200000001-SDS-20240101-race${counter}`;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => {
          const m = message(s + i, { senderUniqueReference: sur });
          return store.acceptBatch({ messages: [m], journal: [inbound(m)], call: call() });
        }),
      );
      assert.equal(results.filter((r) => r.duplicates.size === 0).length, 1);
      assert.ok(await store.messageByReference(sur));
    });

    test('rejected messages are journaled by SUR and audited', async () => {
      const sur = `S-IF-021-1200000001-SDS-20240101-rejected${counter}`;
      const entry: JournalEntry = {
        at: Date.now(),
        stage: 'Inbound',
        status: 'InboundRuleFailure',
        statusCode: 400,
        messageSeq: null,
        transactionId: null,
        senderUniqueReference: sur,
        channel: 'IF-021',
        eventCode: '[ActivePower]',
        senderId: '1200000001',
        mpan: null,
        correlationId: null,
        recipient: null,
        role: null,
        message: 'MSG1007 - Sender Timestamp Invalid',
        reason: 'bad',
        durationMs: 2,
      };
      await store.recordCall(call({ status: 400, accepted: 0, outcome: 'none accepted' }), [entry]);
      assert.deepEqual(await store.journalOfReference(sur), [entry]);
      assert.equal((await store.recentCalls(1))[0]!.status, 400);
    });

    test('calls are audited in bulk, newest first when read back', async () => {
      const calls = Array.from({ length: 3 }, (_, i) =>
        call({ status: 401, accepted: 0, messages: 0, outcome: `refused ${i}`, callerId: null }),
      );
      await store.recordCalls(calls);
      await store.recordCalls([]);
      assert.deepEqual(
        (await store.recentCalls(3)).map((c) => c.outcome),
        ['refused 2', 'refused 1', 'refused 0'],
      );
    });

    test('messages are counted per channel', async () => {
      const s = await store.reserveSequence(1);
      const before = await store.countMessages('IF-005');
      const m = message(s, { channel: 'IF-005' });
      await store.acceptBatch({ messages: [m], journal: [], call: call() });
      assert.equal(await store.countMessages('IF-005'), before + 1);
    });

    test('the registry keeps participants, roles, DCP grants, certificates and API key hashes', async () => {
      assert.equal(await store.isEmpty(), true);
      await store.saveParticipant({ dipId: '1000000001', name: 'One', roles: ['SUP'] });
      await store.saveParticipant({ dipId: '1900000001', name: 'Provider', roles: ['DCP'] });
      await store.saveParticipant({ dipId: '1000000001', name: 'One Renamed', roles: ['SUP', 'LDSO', 'SUP'] });
      await store.grantDcp({ dcpId: '1900000001', participantId: '1000000001', role: 'SUP' });
      await store.grantDcp({ dcpId: '1900000001', participantId: '1000000001', role: 'LDSO' });
      await store.revokeDcp('1000000001', 'LDSO');
      await store.addCertificate({
        fingerprint: 'ab'.repeat(32),
        dipId: '1000000001',
        subject: 'CN=1000000001',
        notAfter: 1_900_000_000_000,
        pem: 'PEM',
      });
      await store.addApiKey('cd'.repeat(32), '1000000001', 'test');
      assert.equal(await store.isEmpty(), false);
      const r = await store.loadRegistry();
      assert.deepEqual(r.participants, [
        { dipId: '1000000001', name: 'One Renamed', roles: ['LDSO', 'SUP'] },
        { dipId: '1900000001', name: 'Provider', roles: ['DCP'] },
      ]);
      assert.deepEqual(r.dcpGrants, [{ dcpId: '1900000001', participantId: '1000000001', role: 'SUP' }]);
      // In force from registration, never retired (registry-admin-contract.ts has the rest of their life).
      const life = { activeFrom: null, deactivatedAt: null, revokedAt: null };
      assert.ok(
        [...r.certificates, ...r.apiKeys].every((c) => c.createdAt! > 0),
        'registration times are kept',
      );
      assert.deepEqual(
        r.certificates.map(({ createdAt: _, ...c }) => c),
        [
          {
            fingerprint: 'ab'.repeat(32),
            dipId: '1000000001',
            subject: 'CN=1000000001',
            notAfter: 1_900_000_000_000,
            ...life,
          },
        ],
      );
      assert.deepEqual(
        r.apiKeys.map(({ createdAt: _, ...k }) => k),
        [
          {
            keyHash: 'cd'.repeat(32),
            dipId: '1000000001',
            label: 'test',
            deactivatedAt: null,
            revokedAt: null,
            activeFrom: null,
          },
        ],
      );
    });

    if (backend.reopen) {
      test('what was committed survives closing and reopening the store', async () => {
        const s = await store.reserveSequence(1);
        const m = message(s);
        await store.acceptBatch({ messages: [m], journal: [inbound(m)], call: call() });
        await store.close();
        store = await backend.reopen!();
        assert.deepEqual(await store.messageByReference(m.senderUniqueReference), m);
        assert.ok((await store.reserveSequence(1)) > s, 'sequences continue after a restart');
        assert.deepEqual(await store.existingReferences([m.senderUniqueReference]), new Set([m.senderUniqueReference]));
      });
    }
  });
}

/**
 * Archives `n` IF-021 messages received at `at + i`, each routed to the supplier and the distributor (the
 * endpoints the queue contracts act on), in one accepted batch; returns their sequence numbers.
 */
export async function routeToSupplierAndDistributor(
  store: Store,
  n: number,
  { at, supplier, distributor }: { at: number; supplier: string; distributor: string },
): Promise<number[]> {
  const first = await store.reserveSequence(n);
  const msgs = Array.from({ length: n }, (_, i) => ({ ...message(first + i), receivedAt: at + i }));
  const deliveries: NewDelivery[] = msgs.flatMap((m) => [
    { messageSeq: m.seq, recipientId: supplier, role: 'SUP', channel: 'IF-021', publicationId: 'PUB-021' },
    { messageSeq: m.seq, recipientId: distributor, role: 'LDSO', channel: 'IF-021', publicationId: 'PUB-021' },
  ]);
  await store.acceptBatch({
    messages: msgs,
    journal: msgs.map(inbound),
    call: call({ at, messages: n, accepted: n }),
    deliveries,
  });
  return msgs.map((m) => m.seq);
}
