/**
 * The storage contract for routing and delivery: the MPAN registry, webhooks, copies, endpoints with their
 * leases and breakers, and status messages. Each test opens its own store, because endpoints are global.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withCheckDigit } from '../../src/domain/mpan.js';
import type { StandardResponseItem } from '../../src/domain/responses.js';
import type { AttemptRecord, Endpoint } from '../../src/domain/delivery.js';
import type { NewDelivery } from '../../src/domain/archive.js';
import type { Store } from '../../src/storage/ports.js';
import { MpanView } from '../../src/routing/mpan-view.js';
import { call, freshStores, inbound, message, type Backend } from './contract.js';

const SUP = '1000000001';
const LDSO = '1600000001';
const T0 = 1_800_000_000_000;

const statusItem = (n: number, recipient = '1200000001'): StandardResponseItem => ({
  transactionID: `T-${n}`,
  senderUniqueReference: null,
  correlationID: null,
  sentTimestamp: '2027-01-15T08:00:00+00:00',
  senderID: '9999999999',
  recipientID: recipient,
  DIPConnectionProviderID: null,
  message: 'MSG1030 - Msg Addressing / Routing Error',
  help: `item ${n}`,
  serviceTicketURL: null,
});

const webhook = (recipientId: string, channel = 'IF-021', role = '') => ({
  recipientId,
  channel,
  role,
  callbackUrl: `https://hooks.example/${recipientId}/${channel}`,
  maxMessageCount: 50_000,
  maxPayloadKb: 100_000,
  configuredBy: recipientId,
});

export function deliveryContract(backend: Backend): void {
  describe(`storage contract, routing and delivery: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    /** Archives `n` IF-021 messages, each to the supplier and the distributor, at T0 + i. */
    async function routed(store: Store, n: number, at = T0): Promise<number[]> {
      const first = await store.reserveSequence(n);
      const msgs = Array.from({ length: n }, (_, i) => message(first + i));
      const deliveries: NewDelivery[] = msgs.flatMap((m) => [
        { messageSeq: m.seq, recipientId: SUP, role: 'SUP', channel: 'IF-021', publicationId: 'PUB-021' },
        { messageSeq: m.seq, recipientId: LDSO, role: 'LDSO', channel: 'IF-021', publicationId: 'PUB-021' },
      ]);
      await store.acceptBatch({
        messages: msgs,
        journal: msgs.map(inbound),
        call: call({ at, messages: n, accepted: n }),
        deliveries,
      });
      return msgs.map((m) => m.seq);
    }

    const attempt = (endpoint: Endpoint, over: Partial<AttemptRecord>): AttemptRecord => ({
      endpoint,
      at: T0 + 1_000,
      delivered: { ids: [], status: 201 },
      updates: [],
      journal: [],
      statusMessages: [],
      breaker: { state: 'closed', failures: 0 },
      notBefore: null,
      ...over,
    });

    test('routed copies make their endpoints due; a claim leases an endpoint to one owner until it is released', async () => {
      const store = await fresh();
      assert.equal(await store.earliestDue(), null);
      assert.deepEqual(await store.earliestDueByChannel(), []);
      const seqs = await routed(store, 3);
      assert.equal(await store.earliestDue(), T0);
      assert.deepEqual(await store.earliestDueByChannel(), [{ channel: 'IF-021', due: T0 }]);
      assert.deepEqual(
        await store.claimDueEndpoints(T0 - 1, 10, 'a', 60_000),
        [],
        'nothing is due before it was accepted',
      );
      const claimed = await store.claimDueEndpoints(T0, 10, 'a', 60_000);
      assert.deepEqual(claimed.map((e) => [e.recipientId, e.channel, e.role]).sort(), [
        [SUP, 'IF-021', 'SUP'],
        [LDSO, 'IF-021', 'LDSO'],
      ]);
      assert.deepEqual(
        await store.claimDueEndpoints(T0 + 1, 10, 'b', 60_000),
        [],
        'a leased endpoint is nobody else’s',
      );
      assert.deepEqual(
        await store.earliestDueByChannel(),
        [{ channel: 'IF-021', due: T0 + 60_000 }],
        'a leased endpoint waits for its lease',
      );
      assert.equal(
        (await store.claimDueEndpoints(T0 + 60_001, 10, 'b', 60_000)).length,
        2,
        'an expired lease is rescued',
      );
      const sup = claimed.find((e) => e.role === 'SUP')!;
      const pending = await store.pendingDeliveries(sup, T0, 100);
      assert.deepEqual(
        pending.map((d) => [
          d.kind,
          d.messageSeq,
          d.recipientId,
          d.role,
          d.attempts,
          d.firstFailureAt,
          d.createdAt,
          d.publicationId,
          d.statusItem,
        ]),
        seqs.map((s) => ['message', s, SUP, 'SUP', 0, null, T0, 'PUB-021', null]),
      );
      assert.equal((await store.pendingDeliveries(sup, T0, 2)).length, 2, 'the limit is honoured, oldest first');
      const contents = await store.messagesBySeq(seqs);
      assert.deepEqual([...contents.keys()].sort(), seqs);
      assert.deepEqual(contents.get(seqs[0]!), await store.messageBySeq(seqs[0]!));
      assert.deepEqual(await store.rolesAddressed(seqs[0]!, SUP), ['SUP']);
      assert.deepEqual(await store.rolesAddressed(seqs[0]!, '1700000001'), []);
    });

    test('a delivered attempt settles every copy in it; the endpoint is not due again until new copies arrive', async () => {
      const store = await fresh();
      await routed(store, 2);
      const [sup] = (await store.claimDueEndpoints(T0, 10, 'a', 60_000)).filter((e) => e.role === 'SUP');
      const pending = await store.pendingDeliveries(sup!, T0, 100);
      await store.recordAttempt(attempt(sup!, { delivered: { ids: pending.map((d) => d.id), status: 201 } }));
      const copies = await store.deliveriesOf(pending[0]!.messageSeq!);
      assert.deepEqual(
        copies.map((c) => [c.recipientId, c.role, c.state, c.attempts, c.lastStatus, c.lastAttemptAt]),
        [
          [SUP, 'SUP', 'delivered', 1, 201, T0 + 1_000],
          [LDSO, 'LDSO', 'pending', 0, null, null],
        ],
      );
      assert.deepEqual(await store.pendingDeliveries(sup!, T0 + 5_000, 100), []);
      const later = await routed(store, 1, T0 + 10_000);
      const again = await store.claimDueEndpoints(T0 + 10_000, 10, 'a', 60_000);
      assert.ok(
        again.some((e) => e.role === 'SUP'),
        'new copies make the endpoint due again',
      );
      assert.deepEqual(
        (await store.pendingDeliveries(sup!, T0 + 10_000, 100)).map((d) => d.messageSeq),
        later,
      );
    });

    test('failed copies keep their state, retry time and error; the breaker and notBefore decide when the endpoint is due', async () => {
      const store = await fresh();
      await routed(store, 2);
      const [sup] = (await store.claimDueEndpoints(T0, 10, 'a', 60_000)).filter((e) => e.role === 'SUP');
      const [a, b] = await store.pendingDeliveries(sup!, T0, 100);
      const breaker = { state: 'open' as const, failures: 5, trips: 1, until: T0 + 30_000 };
      await store.recordAttempt(
        attempt(sup!, {
          delivered: { ids: [], status: 503 },
          breaker,
          notBefore: T0 + 30_000,
          updates: [
            {
              id: a!.id,
              state: 'pending',
              attempts: 1,
              firstFailureAt: T0 + 1_000,
              nextAttemptAt: T0 + 5_000,
              lastStatus: 503,
              lastError: 'HTTP 503',
            },
            {
              id: b!.id,
              state: 'dead',
              attempts: 1,
              firstFailureAt: T0 + 1_000,
              nextAttemptAt: T0 + 1_000,
              lastStatus: 503,
              lastError: 'gave up',
            },
          ],
        }),
      );
      const [copyA] = (await store.deliveriesOf(a!.messageSeq!)).filter((c) => c.role === 'SUP');
      assert.deepEqual(
        [
          copyA!.state,
          copyA!.attempts,
          copyA!.firstFailureAt,
          copyA!.nextAttemptAt,
          copyA!.lastStatus,
          copyA!.lastError,
        ],
        ['pending', 1, T0 + 1_000, T0 + 5_000, 503, 'HTTP 503'],
      );
      assert.equal((await store.deliveriesOf(b!.messageSeq!)).find((c) => c.role === 'SUP')!.state, 'dead');
      const due = async (now: number) =>
        (await store.claimDueEndpoints(now, 10, 'x', 1)).filter((e) => e.role === 'SUP');
      assert.deepEqual(await due(T0 + 5_000), [], 'the open breaker holds the endpoint past the copy’s retry time');
      const [reclaimed] = await due(T0 + 30_000);
      assert.deepEqual(reclaimed!.breaker, breaker, 'the breaker comes back as it was stored');
      const retry = await store.pendingDeliveries(reclaimed!, T0 + 30_000, 100);
      assert.deepEqual(
        retry.map((d) => [d.id, d.attempts, d.firstFailureAt]),
        [[a!.id, 1, T0 + 1_000]],
        'dead copies are not offered again',
      );
    });

    test('an endpoint released without an attempt is due at its oldest copy, or not before a given time', async () => {
      const store = await fresh();
      await routed(store, 1);
      const [sup] = (await store.claimDueEndpoints(T0, 10, 'a', 60_000)).filter((e) => e.role === 'SUP');
      await store.releaseEndpoint(sup!, T0 + 20);
      assert.deepEqual(
        (await store.claimDueEndpoints(T0 + 19, 10, 'a', 60_000)).filter((e) => e.role === 'SUP'),
        [],
      );
      assert.equal((await store.claimDueEndpoints(T0 + 20, 10, 'a', 60_000)).filter((e) => e.role === 'SUP').length, 1);
      await store.releaseEndpoint(sup!, null);
      assert.equal((await store.claimDueEndpoints(T0 + 21, 10, 'a', 60_000)).filter((e) => e.role === 'SUP').length, 1);
    });

    test('only the lease holder finishes a delivery: a holder whose lease was taken over records nothing and releases nothing', async () => {
      const store = await fresh();
      const [seq] = await routed(store, 1);
      const [stale] = (await store.claimDueEndpoints(T0, 10, 'a', 1_000)).filter((e) => e.role === 'SUP');
      const [copy] = await store.pendingDeliveries(stale!, T0, 10);
      // 'a' stalls past its lease; 'b' takes the endpoint over.
      const [current] = (await store.claimDueEndpoints(T0 + 1_001, 10, 'b', 60_000)).filter((e) => e.role === 'SUP');
      assert.equal(current!.owner, 'b');
      const m = (await store.messageBySeq(seq!))!;
      const late = attempt(stale!, {
        delivered: { ids: [copy!.id], status: 201 },
        journal: [{ ...inbound(m), stage: 'Outbound' as const, status: 'Retrying', recipient: SUP }],
        statusMessages: [{ recipientId: m.senderId, role: m.senderRole, messageSeq: m.seq, item: statusItem(7) }],
      });
      assert.equal(await store.recordAttempt(late), false, 'the lost lease is reported');
      assert.equal(
        (await store.deliveriesOf(seq!)).find((c) => c.role === 'SUP')!.state,
        'pending',
        'the copy is left for the new holder',
      );
      assert.deepEqual(await store.journalOf(seq!), [inbound(m)], 'nothing of the late attempt is journaled');
      assert.deepEqual(await store.statusMessagesOf(seq!), []);
      assert.equal(await store.releaseEndpoint(stale!, null), false);
      assert.equal(await store.releaseEndpoint(stale!, null, true), false);
      assert.deepEqual(await store.renewLeases([stale!], 'a', T0 + 120_000), [], 'a lost lease is not renewed');
      assert.deepEqual(
        (await store.claimDueEndpoints(T0 + 1_002, 10, 'c', 60_000)).filter((e) => e.role === 'SUP'),
        [],
        'b still holds it',
      );
      assert.equal(await store.recordAttempt(attempt(current!, { delivered: { ids: [copy!.id], status: 201 } })), true);
      assert.equal((await store.deliveriesOf(seq!)).find((c) => c.role === 'SUP')!.state, 'delivered');
    });

    test('a holder renewing its leases keeps them past their first expiry; a dead holder’s leases are released at once', async () => {
      const store = await fresh();
      await routed(store, 1);
      const claimed = await store.claimDueEndpoints(T0, 10, 'worker-1', 1_000);
      assert.equal(claimed.length, 2);
      const renewed = await store.renewLeases(claimed, 'worker-1', T0 + 5_000);
      assert.deepEqual(renewed.map((e) => e.role).sort(), ['LDSO', 'SUP']);
      assert.deepEqual(
        await store.claimDueEndpoints(T0 + 4_999, 10, 'worker-2', 1_000),
        [],
        'renewed leases hold past the first expiry',
      );
      assert.deepEqual(await store.leaseHolders(), ['worker-1']);
      assert.equal(await store.releaseLeasesOf(['someone-else']), 0);
      assert.equal(await store.releaseLeasesOf(['worker-1']), 2);
      assert.deepEqual(await store.leaseHolders(), []);
      assert.equal(
        (await store.claimDueEndpoints(T0 + 10, 10, 'worker-2', 1_000)).length,
        2,
        'due again at once, without waiting for expiry',
      );
      assert.equal(await store.earliestDue(), T0 + 1_010, 'the new holder’s lease is what the endpoints wait for');
    });

    test('webhooks are saved, replaced and deleted per recipient, channel and role; a parked endpoint waits for its webhook', async () => {
      const store = await fresh();
      await routed(store, 1);
      assert.deepEqual(await store.webhooks(SUP, 'IF-021'), []);
      const [sup] = (await store.claimDueEndpoints(T0, 10, 'a', 60_000)).filter((e) => e.role === 'SUP');
      await store.releaseEndpoint(sup!, null, true);
      assert.deepEqual(
        (await store.claimDueEndpoints(T0 + 3_600_000, 10, 'a', 1)).filter((e) => e.role === 'SUP'),
        [],
        'parked: never due by time alone',
      );
      await store.saveWebhooks([webhook(SUP)], T0 + 7_000);
      assert.deepEqual(await store.webhooks(SUP, 'IF-021'), [webhook(SUP)]);
      assert.equal(
        (await store.claimDueEndpoints(T0 + 7_000, 10, 'b', 1)).filter((e) => e.role === 'SUP').length,
        1,
        'the webhook makes its copies due',
      );
      const other = { ...webhook(SUP), maxMessageCount: 10, callbackUrl: 'https://other.example/x' };
      await store.saveWebhooks([other], T0 + 8_000);
      assert.deepEqual(await store.webhooks(SUP, 'IF-021'), [other], 'replaced');
      // A DCP acting for two of the participant's roles configures both in one call.
      const byDcp = ['LDSO', 'SUP'].map((role) => ({
        ...webhook(SUP, 'IF-021', role),
        callbackUrl: 'https://dcp.example/in',
        configuredBy: '2900000001',
      }));
      await store.saveWebhooks(byDcp, T0 + 9_000);
      assert.deepEqual(
        await store.webhooks(SUP, 'IF-021'),
        [other, ...byDcp],
        'one per role, the participant’s own first',
      );
      assert.deepEqual(await store.webhooks(SUP, 'IF-005'), [], 'one set per channel');
      assert.equal(await store.deleteWebhooks(SUP, 'IF-021', ['SUP', 'LDSO']), 2);
      assert.equal(await store.deleteWebhooks(SUP, 'IF-021', ['SUP']), 0);
      assert.deepEqual(await store.webhooks(SUP, 'IF-021'), [other], 'the participant’s own is left');
      assert.equal(await store.deleteWebhooks(SUP, 'IF-021', ['']), 1);
      assert.deepEqual(await store.webhooks(SUP, 'IF-021'), []);
    });

    test('status messages queue on the recipient’s STATUS endpoint, with the batch or on their own, and are read back per message', async () => {
      const store = await fresh();
      const seq = await store.reserveSequence(1);
      const m = message(seq);
      await store.acceptBatch({
        messages: [m],
        journal: [inbound(m)],
        call: call({ at: T0 }),
        statusMessages: [{ recipientId: '1200000001', role: 'SDS', messageSeq: seq, item: statusItem(1) }],
      });
      await store.addStatusMessages(
        [
          { recipientId: '1200000001', role: 'SDS', messageSeq: seq, item: statusItem(2) },
          { recipientId: '1200000001', role: 'SDS', messageSeq: null, item: statusItem(3) },
        ],
        T0 + 10,
      );
      const [endpoint] = await store.claimDueEndpoints(T0 + 10, 10, 'a', 60_000);
      assert.deepEqual(
        [endpoint!.recipientId, endpoint!.channel, endpoint!.role],
        ['1200000001', 'STATUS', 'SDS'],
        'the role the sender sent in',
      );
      const pending = await store.pendingDeliveries(endpoint!, T0 + 10, 100);
      assert.deepEqual(
        pending.map((d) => [d.kind, d.role, d.statusItem]),
        [
          ['status', 'SDS', statusItem(1)],
          ['status', 'SDS', statusItem(2)],
          ['status', 'SDS', statusItem(3)],
        ],
      );
      await store.recordAttempt(attempt(endpoint!, { delivered: { ids: [pending[0]!.id], status: 201 } }));
      const about = await store.statusMessagesOf(seq);
      assert.deepEqual(
        about.map((s) => [s.recipientId, s.role, s.item, s.state, s.lastStatus]),
        [
          ['1200000001', 'SDS', statusItem(1), 'delivered', 201],
          ['1200000001', 'SDS', statusItem(2), 'pending', null],
        ],
      );
      assert.deepEqual(await store.messageByTransactionId(m.transactionId), m);
      assert.equal(await store.messageByTransactionId('T-IF-021-1200000001-SDS-20240101-00000000FFFFFFFF'), null);
      assert.equal(await store.messageByTransactionId('not a transaction id'), null);
    });

    test('an attempt’s journal entries and status messages are committed with it', async () => {
      const store = await fresh();
      const [seq] = await routed(store, 1);
      const [sup] = (await store.claimDueEndpoints(T0, 10, 'a', 60_000)).filter((e) => e.role === 'SUP');
      const [copy] = await store.pendingDeliveries(sup!, T0, 10);
      const m = (await store.messageBySeq(seq!))!;
      const rejected = {
        ...inbound(m),
        at: T0 + 1_000,
        stage: 'Outbound' as const,
        status: 'RejectedByRecipient',
        statusCode: 207,
        recipient: SUP,
        role: 'SUP',
        message: 'RCP1061 - MPAN Invalid or Unknown',
      };
      await store.recordAttempt(
        attempt(sup!, {
          delivered: { ids: [], status: 207 },
          updates: [
            {
              id: copy!.id,
              state: 'rejected',
              attempts: 1,
              firstFailureAt: null,
              nextAttemptAt: T0 + 1_000,
              lastStatus: 207,
              lastError: 'RCP1061',
            },
          ],
          journal: [rejected],
          statusMessages: [{ recipientId: m.senderId, role: m.senderRole, messageSeq: m.seq, item: statusItem(9) }],
        }),
      );
      assert.deepEqual(await store.journalOf(seq!), [inbound(m), rejected]);
      assert.deepEqual(
        (await store.statusMessagesOf(seq!)).map((s) => s.item),
        [statusItem(9)],
      );
    });

    test('routing of a message found to be a duplicate at commit is dropped with it', async () => {
      const store = await fresh();
      const [seq] = await routed(store, 1);
      const original = (await store.messageBySeq(seq!))!;
      const next = await store.reserveSequence(1);
      const copy = message(next, { senderUniqueReference: original.senderUniqueReference });
      const { duplicates } = await store.acceptBatch({
        messages: [copy],
        journal: [inbound(copy)],
        call: call({ at: T0 }),
        deliveries: [
          { messageSeq: next, recipientId: '1700000001', role: 'MDS', channel: 'IF-021', publicationId: 'PUB-021' },
        ],
        statusMessages: [{ recipientId: '1200000001', role: 'SDS', messageSeq: next, item: statusItem(4) }],
        registryChanges: [
          { mpan: '1234567890126', service: 'SUP', action: 'appoint', participantId: SUP, at: T0, sourceSeq: next },
        ],
      });
      assert.equal(duplicates.size, 1);
      assert.deepEqual(await store.deliveriesOf(next), []);
      assert.deepEqual(await store.statusMessagesOf(next), []);
      assert.deepEqual(await store.appointments(['1234567890126']), []);
      assert.deepEqual(
        (await store.claimDueEndpoints(T0, 10, 'a', 1)).map((e) => e.recipientId).sort(),
        [SUP, LDSO].sort(),
      );
    });

    test('MPAN appointments: appoint, replace, re-state and end, by messages and in bulk, with history kept', async () => {
      const store = await fresh();
      const mpan = '1900000000013';
      const seq = await store.reserveSequence(1);
      const m = message(seq, { mpan });
      await store.acceptBatch({
        messages: [m],
        journal: [],
        call: call({ at: T0 }),
        registryChanges: [{ mpan, service: 'SUP', action: 'appoint', participantId: SUP, at: T0, sourceSeq: seq }],
      });
      const changed = await store.applyMpanChanges([
        { mpan, service: 'SUP', action: 'appoint', participantId: SUP, at: T0 + 1, sourceSeq: null },
        { mpan, service: 'SUP', action: 'appoint', participantId: '1000000002', at: T0 + 100, sourceSeq: null },
        { mpan, service: 'DS', action: 'appoint', participantId: '1200000001', at: T0 + 100, sourceSeq: null },
        { mpan, service: 'DS', action: 'end', participantId: '1200000001', at: T0 + 200, sourceSeq: null },
        { mpan, service: 'MS', action: 'end', participantId: '1300000001', at: T0 + 200, sourceSeq: null },
        { mpan: '2000000000015', service: 'LDSO', action: 'appoint', participantId: LDSO, at: T0, sourceSeq: null },
      ]);
      assert.equal(changed, 4, 're-stating the serving supplier and ending what was never appointed change nothing');
      const history = (await store.appointments([mpan, mpan, '2000000000015', '2999999999994']))
        .map((a) => [a.mpan, a.service, a.participantId, a.from, a.to])
        .sort((x, y) => String(x).localeCompare(String(y)));
      assert.deepEqual(
        history,
        [
          [mpan, 'DS', '1200000001', T0 + 100, T0 + 200],
          [mpan, 'SUP', '1000000001', T0, T0 + 100],
          [mpan, 'SUP', '1000000002', T0 + 100, null],
          ['2000000000015', 'LDSO', LDSO, T0, null],
        ].sort((x, y) => String(x).localeCompare(String(y))),
      );
      // Late news of an earlier change, then a real change back: who serves at each moment stays right.
      const late = '1900000000031';
      await store.applyMpanChanges([
        { mpan: late, service: 'SUP', action: 'appoint', participantId: SUP, at: T0 + 500, sourceSeq: null },
      ]);
      await store.applyMpanChanges([
        { mpan: late, service: 'SUP', action: 'appoint', participantId: '1000000002', at: T0 + 300, sourceSeq: null },
      ]);
      assert.equal(
        await store.applyMpanChanges([
          { mpan: late, service: 'SUP', action: 'appoint', participantId: SUP, at: T0 + 700, sourceSeq: null },
        ]),
        0,
      );
      assert.equal(
        await store.applyMpanChanges([
          { mpan: late, service: 'SUP', action: 'appoint', participantId: '1000000002', at: T0 + 800, sourceSeq: null },
        ]),
        1,
      );
      const view = new MpanView(await store.appointments([late]));
      assert.deepEqual(
        [400, 600, 900].map((t) => view.serving(late, 'SUP', T0 + t)),
        ['1000000002', SUP, '1000000002'],
      );
      const many = Array.from({ length: 1_200 }, (_, i) => ({
        mpan: withCheckDigit(`3${String(i).padStart(11, '0')}`),
        service: 'SUP' as const,
        action: 'appoint' as const,
        participantId: SUP,
        at: T0,
        sourceSeq: null,
      }));
      assert.equal(await store.applyMpanChanges(many), 1_200);
      assert.equal(
        (await store.appointments(many.map((c) => c.mpan))).length,
        1_200,
        'lookups of more MPANs than one query takes',
      );
    });
  });
}
