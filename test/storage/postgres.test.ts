import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { withCheckDigit } from '../../src/domain/mpan.js';
import { MpanView } from '../../src/routing/mpan-view.js';
import { loadMigrations } from '../../src/storage/migrate.js';
import { openStore } from '../../src/storage/open.js';
import type { Store } from '../../src/storage/ports.js';
import { dropSchemas, freshSchemaUrl, postgresUnavailable } from '../helpers/postgres.js';
import { until } from '../helpers/until.js';
import { call, inbound, message, storageContract, type Backend } from './contract.js';
import { deliveryContract } from './delivery-contract.js';
import { housekeepingContract } from './housekeeping-contract.js';
import { replayContract } from './replay-contract.js';
import { auditContract } from './audit-contract.js';
import { evidenceContract } from './evidence-contract.js';
import { queueContract } from './queue-contract.js';
import { behalfContract } from './behalf-contract.js';
import { pauseContract } from './pause-contract.js';
import { portalUserContract } from './portal-user-contract.js';
import { releaseContract } from './release-contract.js';
import { endpointsContract } from './endpoints-contract.js';
import { waitingContract } from './waiting-contract.js';
import { registryAdminContract } from './registry-admin-contract.js';

const unavailable = await postgresUnavailable();
if (unavailable) {
  test('storage contract: postgres', { skip: unavailable }, () => undefined);
} else {
  after(dropSchemas);
  let current = '';
  const backend: Backend = {
    name: 'postgres',
    open: async () => openStore((current = await freshSchemaUrl())),
    reopen: async () => openStore(current),
  };
  storageContract(backend);
  deliveryContract(backend);
  housekeepingContract(backend);
  replayContract(backend);
  auditContract(backend);
  evidenceContract(backend);
  queueContract(backend);
  behalfContract(backend);
  pauseContract(backend);
  portalUserContract(backend);
  releaseContract(backend);
  endpointsContract(backend);
  waitingContract(backend);
  registryAdminContract(backend);
  postgresOnly();
}

function postgresOnly(): void {
  const DAY = 86_400_000;
  const sql = async <T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const archive = async (store: Store, at: number, sur: string): Promise<number> => {
    const seq = await store.reserveSequence(1, at);
    const m = message(seq, { receivedAt: at, senderUniqueReference: sur });
    await store.acceptBatch({ messages: [m], journal: [{ ...inbound(m), at }], call: call({ at }) });
    return seq;
  };

  describe('postgres: several processes, partitions', () => {
    test('several processes migrating one database at once apply each migration once', async () => {
      const url = await freshSchemaUrl();
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(url)));
      try {
        const applied = await sql<{ version: number }>(url, 'SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(
          applied.map((r) => r.version),
          loadMigrations('postgres').map((m) => m.version),
        );
        const seqs = await Promise.all(stores.map((s) => s.reserveSequence(5)));
        assert.equal(new Set(seqs).size, 4, 'every process reserves its own numbers');
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    test('migrations of one schema wait for that schema’s lock only, not for other schemas’', async () => {
      const [held, other] = [await freshSchemaUrl(), await freshSchemaUrl()];
      // The lock a migrating process of the `held` schema takes (src/storage/postgres/migrate.ts), held here.
      const LOCK = 0x0d1b_0001;
      const holder = new pg.Client({ connectionString: held });
      await holder.connect();
      const waiters = async () =>
        (
          await holder.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1::oid`,
            [LOCK],
          )
        ).rows[0]!.n;
      try {
        await holder.query('SELECT pg_advisory_lock($1, hashtext(current_schema()))', [LOCK]);
        // Another schema migrates while the lock is held (under one lock for all, this would never return).
        await (await openStore(other)).close();
        const waiting = openStore(held);
        await until(async () => (await waiters()) > 0, 'a store on the held schema waiting for its lock');
        await holder.query('SELECT pg_advisory_unlock($1, hashtext(current_schema()))', [LOCK]);
        await (await waiting).close();
      } finally {
        await holder.end();
      }
    });

    test('the same SUR sent through two processes at the same moment is archived once', async () => {
      const url = await freshSchemaUrl();
      const [a, b] = await Promise.all([openStore(url), openStore(url)]);
      try {
        for (let round = 0; round < 10; round++) {
          const surs = Array.from({ length: 20 }, (_, i) => `S-race-${round}-${i}`);
          const batch = async (store: Store) => {
            const first = await store.reserveSequence(surs.length);
            const msgs = surs.map((sur, i) => message(first + i, { senderUniqueReference: sur }));
            return (
              await store.acceptBatch({
                messages: msgs,
                journal: msgs.map(inbound),
                call: call({ messages: msgs.length, accepted: msgs.length }),
              })
            ).duplicates;
          };
          const [da, db] = await Promise.all([batch(a), batch(b)]);
          assert.equal(da.size + db.size, surs.length, 'each SUR lost by exactly one of the two');
        }
        assert.equal(await a.countMessages(), 200);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    test('processes changing who serves one MPAN at the same moment leave the registry right at every moment', async () => {
      const url = await freshSchemaUrl();
      const [a, b] = await Promise.all([openStore(url), openStore(url)]);
      try {
        const mpan = '1900000000013';
        const t0 = Date.UTC(2026, 0, 1);
        const appoint = (participantId: string, at: number) => [
          { mpan, service: 'SUP' as const, action: 'appoint' as const, participantId, at, sourceSeq: null },
        ];
        const supplier = (n: number) => `10000${String(n).padStart(5, '0')}`;
        // Each round, two changes of supplier race through two processes, in whichever order they commit.
        for (let round = 0; round < 20; round++) {
          await Promise.all([
            a.applyMpanChanges(appoint(supplier(2 * round), t0 + round * 10)),
            b.applyMpanChanges(appoint(supplier(2 * round + 1), t0 + round * 10 + 5)),
          ]);
        }
        const view = new MpanView(await a.appointments([mpan]));
        for (let round = 0; round < 20; round++) {
          assert.equal(
            view.serving(mpan, 'SUP', t0 + round * 10 + 2),
            supplier(2 * round),
            `round ${round}, first half`,
          );
          assert.equal(
            view.serving(mpan, 'SUP', t0 + round * 10 + 7),
            supplier(2 * round + 1),
            `round ${round}, second half`,
          );
        }
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    test('a bulk import of tens of thousands of MPANs in one transaction stays within the lock table', async () => {
      const url = await freshSchemaUrl();
      const store = await openStore(url);
      try {
        const changes = Array.from({ length: 30_000 }, (_, i) => ({
          mpan: withCheckDigit(String(190_000_000_000 + i)),
          service: 'SUP' as const,
          action: 'appoint' as const,
          participantId: '1000000001',
          at: 0,
          sourceSeq: null,
        }));
        assert.equal(await store.applyMpanChanges(changes), 30_000);
      } finally {
        await store.close();
      }
    });

    test('the archive and journal are partitioned by month: a transaction id reads one partition, retention drops whole months', async () => {
      const url = await freshSchemaUrl();
      const store = await openStore(url);
      try {
        const now = Date.now();
        const longAgo = now - 800 * DAY;
        // Housekeeping as it ran 800 days ago made that month's partitions, and the two after it.
        assert.equal((await store.housekeeping(longAgo, { longestMs: 730 * DAY, shorter: [] })).partitionsCreated, 6);
        const old = await Promise.all([1, 2, 3].map((i) => archive(store, longAgo + i, `S-old-${i}`)));
        const recent = await archive(store, now, 'S-recent');
        const month = (at: number) => new Date(at).toISOString().slice(0, 7).replace('-', 'm');
        const where = async (seq: number) =>
          (await sql<{ p: string }>(url, 'SELECT tableoid::regclass::text AS p FROM messages WHERE seq = $1', [seq]))[0]
            ?.p;
        assert.equal(await where(old[0]!), `messages_y${month(longAgo)}`);
        assert.equal(await where(recent), `messages_y${month(now)}`);
        const plan = (await sql<{ 'QUERY PLAN': string }>(url, `EXPLAIN SELECT * FROM messages WHERE seq = ${recent}`))
          .map((r) => r['QUERY PLAN'])
          .join('\n');
        assert.deepEqual(
          [...plan.matchAll(/ on (messages_\w+)/g)].map((m) => m[1]),
          [`messages_y${month(now)}`],
          `one partition scanned:\n${plan}`,
        );

        const report = await store.housekeeping(now, { longestMs: 730 * DAY, shorter: [] });
        assert.equal(report.messagesPurged, 3);
        assert.ok(report.partitionsDropped >= 2, 'the old month of the archive and of the journal are dropped whole');
        const left = await sql<{ p: string }>(url, `SELECT relname AS p FROM pg_class WHERE relname = $1`, [
          `messages_y${month(longAgo)}`,
        ]);
        assert.deepEqual(left, []);
        for (const seq of old) assert.equal(await store.messageBySeq(seq), null);
        assert.equal((await store.messageBySeq(recent))?.senderUniqueReference, 'S-recent');
        assert.deepEqual(await store.existingReferences(['S-old-1', 'S-recent']), new Set(['S-recent']));
      } finally {
        await store.close();
      }
    });

    test('one process at a time leads housekeeping; another takes over when it goes', async () => {
      const url = await freshSchemaUrl();
      const [a, b] = await Promise.all([openStore(url), openStore(url)]);
      try {
        assert.equal(await a.leadHousekeeping(), true);
        assert.equal(await b.leadHousekeeping(), false);
        await a.close();
        assert.equal(await b.leadHousekeeping(), true, 'the lock goes with the leader’s connection');
      } finally {
        await b.close();
      }
    });

    test('a process listening for due work hears when another commits copies', async () => {
      const url = await freshSchemaUrl();
      const [api, worker] = await Promise.all([openStore(url), openStore(url)]);
      let heard = 0;
      const stop = await worker.watchDue!(() => heard++);
      try {
        const before = heard;
        const seq = await api.reserveSequence(1);
        const m = message(seq);
        await api.acceptBatch({
          messages: [m],
          journal: [inbound(m)],
          call: call(),
          deliveries: [
            { messageSeq: seq, recipientId: '1000000001', role: 'SUP', channel: 'IF-021', publicationId: 'PUB-021' },
          ],
        });
        await until(() => heard > before, 'NOTIFY reaching the listener').catch(() => undefined);
        assert.ok(heard > before, 'NOTIFY reached the listener');
      } finally {
        await stop();
        await Promise.all([api.close(), worker.close()]);
      }
    });
  });
}
