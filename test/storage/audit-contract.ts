/**
 * The storage contract for audit search (seed §7): every criterion finds what it should, and a
 * participant's search never returns another participant's traffic. Random markets, checked against a
 * plain filter over what was archived.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditScope } from '../../src/domain/entitlement.js';
import type { ArchivedMessage, AuditCriteria, Direction, NewDelivery } from '../../src/domain/archive.js';
import type { Store } from '../../src/storage/ports.js';
import { call, freshStores, inbound, message, type Backend } from './contract.js';

const PARTICIPANTS = ['1000000001', '1000000002', '1200000001', '1600000001', '1700000001', '1900000001'];
const CHANNELS = ['IF-021', 'IF-013', 'IF-006'];
const MPANS = ['1900000000013', '1900000000022', '1900000000040', null];
const T0 = Date.UTC(2026, 8, 1);

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROLES = ['SUP', 'LDSO', 'SDS'];

interface Archived {
  m: ArchivedMessage;
  recipients: { id: string; role: string }[];
}

export function auditContract(backend: Backend): void {
  describe(`storage contract, audit search: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    async function market(store: Store, seed: number, count = 60): Promise<Archived[]> {
      const rnd = random(seed);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
      const out: Archived[] = [];
      for (let i = 0; i < count; i++) {
        const at = T0 + i * 60_000;
        const seq = await store.reserveSequence(1, at);
        const sender = pick(PARTICIPANTS);
        const m = message(seq, {
          receivedAt: at,
          channel: pick(CHANNELS),
          senderId: sender,
          senderRole: pick(ROLES),
          callerId: rnd() < 0.2 ? '1900000001' : sender,
          mpan: pick(MPANS),
          correlationId: rnd() < 0.5 ? `CI-20260901-${Math.floor(rnd() * 4)}` : null,
          senderUniqueReference: `S-IF-021-${sender}-SDS-20260901-${seed}x${i}`,
        });
        // A participant may receive one message in two roles (a supplier that is also the distributor).
        const recipients = PARTICIPANTS.filter((p) => p !== sender && rnd() < 0.3).flatMap((id) =>
          ROLES.filter(() => rnd() < 0.5).map((role) => ({ id, role })),
        );
        const deliveries: NewDelivery[] = recipients.map((r) => ({
          messageSeq: seq,
          recipientId: r.id,
          role: r.role,
          channel: m.channel,
          publicationId: 'PUB',
        }));
        await store.acceptBatch({
          messages: [m],
          journal: [{ ...inbound(m), at }],
          call: call({ at, callerId: m.callerId }),
          deliveries,
        });
        out.push({ m, recipients });
      }
      return out;
    }

    const matches = (a: Archived, c: AuditCriteria): boolean =>
      (!c.channel || a.m.channel === c.channel) &&
      (!c.transactionId || a.m.transactionId === c.transactionId) &&
      (!c.senderUniqueReference || a.m.senderUniqueReference === c.senderUniqueReference) &&
      (!c.correlationId || a.m.correlationId === c.correlationId) &&
      (!c.mpan || a.m.mpan === c.mpan) &&
      (!c.sender || a.m.senderId === c.sender) &&
      (!c.receiver || a.recipients.some((r) => r.id === c.receiver)) &&
      (c.from == null || a.m.receivedAt >= c.from) &&
      (c.to == null || a.m.receivedAt <= c.to);
    /**
     * The rule, written plainly: what the caller sent itself, or what was sent or received in a role it acts
     * in; with a direction, the sending or the receiving side only.
     */
    const visible = (a: Archived, scope: AuditScope, direction: Direction | null = null): boolean => {
      const actsIn = (id: string, role: string) =>
        scope.entitlements.some((e) => e.participantId === id && e.roles.includes(role));
      const sent = a.m.callerId === scope.callerId || actsIn(a.m.senderId, a.m.senderRole);
      const received = a.recipients.some((r) => actsIn(r.id, r.role));
      return direction === 'sent' ? sent : direction === 'received' ? received : sent || received;
    };
    const search = async (store: Store, c: AuditCriteria, scope: AuditScope | null): Promise<number[]> => {
      const out: number[] = [];
      let after: number | null = null;
      for (;;) {
        const page = await store.searchMessages(c, scope, after, 7);
        out.push(...page.map((m) => m.seq));
        if (page.length < 7) return out;
        after = page.at(-1)!.seq;
      }
    };

    test('each criterion, alone and together, finds exactly the matching messages, paged by sequence', async () => {
      const store = await fresh();
      const all = await market(store, 1);
      const some = all[17]!.m;
      const cases: AuditCriteria[] = [
        {},
        { channel: 'IF-013' },
        { transactionId: some.transactionId },
        { senderUniqueReference: some.senderUniqueReference },
        { correlationId: 'CI-20260901-2' },
        { from: T0 + 10 * 60_000, to: T0 + 20 * 60_000 },
        { mpan: '1900000000022' },
        { sender: '1200000001' },
        { receiver: '1600000001' },
        { channel: 'IF-021', receiver: '1000000001', from: T0 + 30 * 60_000 },
        { transactionId: 'T-IF-021-1200000001-SDS-20260901-00000000000000FF' },
        { transactionId: 'nonsense' },
      ];
      // Operators see every message: a direction does not narrow what they find.
      for (const c of [...cases, { direction: 'sent' as const }, { direction: 'received' as const }]) {
        assert.deepEqual(
          await search(store, c, null),
          all.filter((a) => matches(a, c)).map((a) => a.m.seq),
          JSON.stringify(c),
        );
      }
      const [found] = await store.searchMessages({ transactionId: some.transactionId }, null, null, 10);
      assert.deepEqual({ ...found!, payload: some.payload }, some, 'everything but the payload comes back');
      assert.equal(found!.payload.length, 0);
    });

    test('a caller sees only the traffic of the roles it acts in, and what it sent itself, either direction or one: property over random markets', async () => {
      for (const seed of [2, 3, 4]) {
        const store = await fresh();
        const all = await market(store, seed, 40);
        const rnd = random(seed * 7);
        for (let k = 0; k < 12; k++) {
          // A caller acting for some participants in some of their roles (itself in all, or a DCP in a few).
          const entitlements = PARTICIPANTS.filter(() => rnd() < 0.3).map((participantId) => ({
            participantId,
            roles: ROLES.filter(() => rnd() < 0.5),
          }));
          const scope: AuditScope = {
            callerId: rnd() < 0.3 ? '1900000001' : PARTICIPANTS[k % PARTICIPANTS.length]!,
            entitlements,
          };
          const c: AuditCriteria = {
            ...[
              {},
              { channel: 'IF-021' },
              { mpan: '1900000000013' },
              { receiver: PARTICIPANTS[k % PARTICIPANTS.length] },
            ][k % 4]!,
            direction: ([null, 'sent', 'received'] as const)[Math.floor(k / 4) % 3]!,
          };
          const got = await search(store, c, scope);
          const expected = all.filter((a) => matches(a, c) && visible(a, scope, c.direction)).map((a) => a.m.seq);
          assert.deepEqual(got, expected, `seed ${seed}, scope ${JSON.stringify(scope)}, ${JSON.stringify(c)}`);
        }
      }
    });

    test('API calls are searched newest first, a participant seeing only its own', async () => {
      const store = await fresh();
      await store.recordCalls(
        [1, 2, 3].map((i) => call({ at: T0 + i, callerId: i === 2 ? '1000000001' : '1200000001', channel: 'IF-021' })),
      );
      const mine = await store.searchCalls({}, ['1200000001'], null, 10);
      assert.deepEqual(
        mine.map((c) => c.at),
        [T0 + 3, T0 + 1],
      );
      assert.deepEqual(
        (await store.searchCalls({}, ['1200000001'], mine[0]!.id, 10)).map((c) => c.at),
        [T0 + 1],
        'paged by id',
      );
      assert.deepEqual(
        (await store.searchCalls({ from: T0 + 2 }, null, null, 10)).map((c) => c.at),
        [T0 + 3, T0 + 2],
      );
    });

    test("sends are totalled by channel, hour and status since a time, one caller's or everyone's", async () => {
      const store = await fresh();
      const H = 3_600_000;
      await store.recordCalls([
        call({ at: T0 - 1, messages: 9, accepted: 9 }), // before the window
        call({ at: T0, messages: 5, accepted: 5 }),
        call({ at: T0 + 10, messages: 3, accepted: 1 }),
        call({ at: T0 + 20, status: 400, messages: 2, accepted: 0 }),
        call({ at: T0 + H + 5, channel: 'IF-013', path: '/1.1/dip-channel/IF-013', messages: 4, accepted: 4 }),
        call({ at: T0 + 30, callerId: '1000000001', messages: 7, accepted: 7 }),
        call({ at: T0 + 40, method: 'GET', path: '/1.1/audit/messages', channel: 'IF-021', messages: 0 }),
        call({ at: T0 + 50, path: '/1.1/dip-channel/IF-021/pubconfig/1200000001', messages: 0, accepted: 0 }),
      ]);
      assert.deepEqual(await store.sendTotals(T0, '1200000001'), [
        { channel: 'IF-021', hourStart: T0, status: 201, calls: 2, messages: 8, accepted: 6 },
        { channel: 'IF-021', hourStart: T0, status: 400, calls: 1, messages: 2, accepted: 0 },
        { channel: 'IF-013', hourStart: T0 + H, status: 201, calls: 1, messages: 4, accepted: 4 },
      ]);
      const all = await store.sendTotals(T0, null);
      assert.equal(
        all.reduce((n, t) => n + t.messages, 0),
        21,
        "everyone's sends, a GET and a webhook configuration not among them",
      );
    });

    test("a caller's refused messages since a time are summed by channel and code, most first", async () => {
      const store = await fresh();
      await store.recordCalls([
        call({ at: T0 - 1, messages: 3, accepted: 0, rejections: { MSG1001: 3 } }), // before the window
        call({ at: T0, messages: 5, accepted: 2, rejections: { MSG1001: 2, MSG1010: 1 } }),
        call({ at: T0 + 10, messages: 4, accepted: 0, rejections: { MSG1001: 4 } }),
        call({
          at: T0 + 20,
          channel: 'IF-013',
          path: '/1.1/dip-channel/IF-013',
          messages: 1,
          rejections: { MSG1010: 1 },
        }),
        call({ at: T0 + 30, messages: 5, accepted: 5 }),
        call({ at: T0 + 40, callerId: '1000000001', messages: 7, accepted: 0, rejections: { MSG1001: 7 } }),
      ]);
      assert.deepEqual(await store.rejectionTotals(T0, '1200000001'), [
        { channel: 'IF-021', code: 'MSG1001', messages: 6 },
        { channel: 'IF-013', code: 'MSG1010', messages: 1 },
        { channel: 'IF-021', code: 'MSG1010', messages: 1 },
      ]);
      assert.deepEqual(await store.rejectionTotals(T0, '1000000009'), []);
      const listed = await store.searchCalls({ callerId: '1200000001' }, null, null, 10);
      assert.deepEqual(
        listed.map((c) => c.rejections),
        [null, { MSG1010: 1 }, { MSG1001: 4 }, { MSG1001: 2, MSG1010: 1 }, { MSG1001: 3 }],
        'each call lists its rejections, newest first',
      );
    });

    test("a participant's copies since a time are totalled by channel, each count stopping at the cap", async () => {
      const store = await fresh();
      const all = await market(store, 5, 60);
      for (const p of PARTICIPANTS) {
        const channels = [...new Set(all.filter((a) => a.recipients.some((r) => r.id === p)).map((a) => a.m.channel))];
        for (const since of [T0, T0 + 30 * 60_000, T0 + 24 * 3_600_000]) {
          for (const cap of [1_000, 1]) {
            const n = (channel: string): number =>
              all
                .filter((a) => a.m.channel === channel && a.m.receivedAt >= since)
                .flatMap((a) => a.recipients.filter((r) => r.id === p)).length;
            assert.deepEqual(
              await store.receivedTotals(p, since, cap),
              channels
                .sort()
                .map((channel) => ({ channel, copies: Math.min(n(channel), cap), atLeast: n(channel) > cap })),
              `${p} since ${since - T0} ms, cap ${cap}`,
            );
          }
        }
      }
    });
  });
}
