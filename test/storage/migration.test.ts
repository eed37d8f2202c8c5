/**
 * Data written before webhooks, status messages and requeues were kept per role still works after the
 * migration that adds roles, on both backends: a participant's own webhooks stay its channel-wide ones, a
 * DCP's serve the roles the DCP was granted (and one no grant covers is dropped), and what was kept before
 * is the participant's own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { loadMigrations } from '../../src/storage/migrate.js';
import { openStore } from '../../src/storage/open.js';
import { migrate } from '../../src/storage/postgres/migrate.js';
import { createPool } from '../../src/storage/postgres/pool.js';
import type { Store } from '../../src/storage/ports.js';
import { dropSchemas, freshSchemaUrl, postgresUnavailable } from '../helpers/postgres.js';

const P = '1000000001';
const Q = '1600000001';
const DCP = '2900000001';
const T0 = Date.UTC(2026, 10, 1);
const BEFORE_ROLES = 3;

/** The rows of a DIP from before roles were kept, as that version wrote them. */
const LEGACY = [
  `INSERT INTO participants (dip_id, name, created_at) VALUES ('${P}', 'Supplier and distributor', 0), ('${Q}', 'Distributor', 0), ('${DCP}', 'Connection provider', 0)`,
  `INSERT INTO participant_roles (dip_id, role) VALUES ('${P}', 'SUP'), ('${P}', 'LDSO'), ('${Q}', 'LDSO'), ('${DCP}', 'DCP')`,
  `INSERT INTO dcp_grants (participant_id, role, dcp_id) VALUES ('${P}', 'SUP', '${DCP}')`,
  `INSERT INTO webhooks (recipient_id, channel, callback_url, max_message_count, max_payload_kb, configured_by, updated_at) VALUES
     ('${P}', 'IF-021', 'https://dcp.example/in', 100, 1000, '${DCP}', ${T0}),
     ('${P}', 'STATUS', 'https://p.example/status', 100, 1000, '${P}', ${T0}),
     ('${Q}', 'IF-021', 'https://dcp.example/q', 100, 1000, '${DCP}', ${T0})`,
  `INSERT INTO status_messages (id, recipient_id, message_seq, item, created_at) VALUES (1, '${P}', NULL, '{"transactionID":"T-1"}', ${T0})`,
  `INSERT INTO deliveries (kind, item_seq, recipient_id, role, channel, state, created_at, next_attempt_at) VALUES ('status', 1, '${P}', '', 'STATUS', 'pending', ${T0}, ${T0})`,
  `INSERT INTO endpoints (recipient_id, channel, role, next_due_at) VALUES ('${P}', 'STATUS', '', ${T0})`,
  `INSERT INTO requeues (id, recipient_id, channel, requested_by, request, total, created_at) VALUES ('${P}-20261101-aa', '${P}', 'IF-021', '${P}', '{}', 0, ${T0})`,
];

async function checkMigrated(store: Store): Promise<void> {
  const hook = (await store.webhooks(P, 'IF-021')).map((w) => [w.role, w.configuredBy, w.callbackUrl]);
  assert.deepEqual(
    hook,
    [['SUP', DCP, 'https://dcp.example/in']],
    'the DCP’s webhook now serves only the role it was granted',
  );
  assert.deepEqual(
    (await store.webhooks(P, 'STATUS')).map((w) => [w.role, w.configuredBy]),
    [['', P]],
    'the participant’s own stays channel-wide',
  );
  assert.deepEqual(await store.webhooks(Q, 'IF-021'), [], 'a webhook no grant covers is dropped');
  const statuses = (roles: string[]) =>
    store.replayStatuses(
      {
        recipientId: P,
        roles,
        from: T0 - 1,
        to: T0 + 1,
        transactionId: null,
        senderUniqueReference: null,
        correlationId: null,
        notBefore: 0,
      },
      null,
      10,
    );
  assert.deepEqual(
    (await statuses(['SUP', 'LDSO'])).map((s) => s.item.transactionID),
    [],
    'a DCP cannot replay the status messages kept before roles',
  );
  assert.deepEqual(
    (await statuses(['', 'SUP', 'LDSO'])).map((s) => s.item.transactionID),
    ['T-1'],
    'the participant itself can',
  );
  const [endpoint] = await store.claimDueEndpoints(T0, 10, 'w', 1_000);
  assert.deepEqual(
    endpoint && [endpoint.recipientId, endpoint.channel, endpoint.role],
    [P, 'STATUS', ''],
    'its pending copy is still delivered, on the participant’s own endpoint',
  );
  assert.deepEqual(
    (await store.requeues(P, 'IF-021', null)).map((r) => r.roles),
    [null],
  );
}

describe('migrating to webhooks, status messages and requeues per role: sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opendip-migration-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('data written before roles were kept works after the migration', async () => {
    const path = join(dir, 'legacy.db');
    const db = new Database(path);
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    for (const m of loadMigrations('sqlite').filter((x) => x.version <= BEFORE_ROLES)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 0);
    }
    for (const sql of LEGACY) db.exec(sql);
    db.close();
    const store = await openStore(`sqlite:${path}`);
    try {
      await checkMigrated(store);
    } finally {
      await store.close();
    }
  });
});

const unavailable = await postgresUnavailable();
describe(
  'migrating to webhooks, status messages and requeues per role: postgres',
  { skip: unavailable ?? false },
  () => {
    after(dropSchemas);

    test('data written before roles were kept works after the migration', async () => {
      const url = await freshSchemaUrl();
      const pool = createPool(url, 1);
      try {
        await migrate(
          pool,
          loadMigrations('postgres').filter((x) => x.version <= BEFORE_ROLES),
        );
        for (const sql of LEGACY) await pool.query(sql);
      } finally {
        await pool.end();
      }
      const store = await openStore(url);
      try {
        await checkMigrated(store);
      } finally {
        await store.close();
      }
    });
  },
);
