/**
 * The scale-out store: PostgreSQL, shared by any number of `opendip serve` processes. Every batch is one
 * transaction; SUR uniqueness holds across processes through message_refs' primary key; the archive and
 * the journal are partitioned by month (migrations/postgres/0001_initial.sql).
 */
import { migrationsBehind, type Migration } from '../migrate.js';
import { bindOperations } from '../operations.js';
import type { Row } from '../rows.js';
import type { Store } from '../ports.js';
import { countMessages, messageByReference, messageBySeq, messageByTransactionId, messagesBySeq } from './archive.js';
import { evidenceOf, receivedTotals, rejectionTotals, searchCalls, searchMessages, sendTotals } from './audit.js';
import { recentCalls } from './calls.js';
import { deliveriesOf, pendingDeliveries, rolesAddressed } from './deliveries.js';
import { watchDue } from './due.js';
import { housekeeping, leadHousekeeping } from './housekeeping.js';
import { acceptBatch, existingReferences, recordCall, recordCalls, reserveSequence } from './ingest.js';
import { journalOf, journalOfReference } from './journal.js';
import {
  claimDueEndpoints,
  earliestDue,
  earliestDueByChannel,
  leaseHolders,
  recordAttempt,
  releaseEndpoint,
  releaseLeasesOf,
  renewLeases,
} from './leases.js';
import { migrate } from './migrate.js';
import { applyMpanChanges, appointments } from './mpans.js';
import { mpanHistory } from './mpan-history.js';
import { addCertificate, retireCredential } from './credentials.js';
import { createPool, type Postgres } from './pool.js';
import { addApiKey, grantDcp, isEmpty, loadRegistry, revokeDcp, saveParticipant } from './registry.js';
import { countQueue, listQueue, redriveCopies } from './queue.js';
import { deletePause, listPauses, savePause } from './pauses.js';
import {
  issuePortalLink,
  portalUser,
  portalUserByLink,
  portalUsers,
  redeemPortalLink,
  removePortalUser,
} from './portal-users.js';
import { releaseCopies } from './release.js';
import { listEndpoints } from './endpoints.js';
import { noticeWaitingCopies } from './waiting.js';
import { replayKeys, replayStatuses } from './replay.js';
import { requeues, startRequeue } from './requeue.js';
import { addStatusMessages, statusMessagesOf } from './status.js';
import { deleteWebhooks, saveWebhooks, webhooks } from './webhooks.js';

export interface PostgresOptions {
  url: string;
  migrations: Migration[];
  /** Connections in this process's pool. */
  poolSize?: number;
}

/** Every operation of the store, under the name the contract gives it. */
const operations = {
  // IngestStore
  reserveSequence,
  existingReferences,
  acceptBatch,
  recordCall,
  recordCalls,
  // ArchiveReader
  messageBySeq,
  messageByReference,
  countMessages,
  journalOf,
  journalOfReference,
  recentCalls,
  // RegistryStore
  loadRegistry,
  saveParticipant,
  grantDcp,
  revokeDcp,
  addCertificate,
  addApiKey,
  retireCredential,
  isEmpty,
  // MpanStore, WebhookStore
  appointments,
  applyMpanChanges,
  mpanHistory,
  webhooks,
  saveWebhooks,
  deleteWebhooks,
  // DeliveryStore
  earliestDue,
  earliestDueByChannel,
  claimDueEndpoints,
  pendingDeliveries,
  messagesBySeq,
  recordAttempt,
  releaseEndpoint,
  renewLeases,
  leaseHolders,
  releaseLeasesOf,
  deliveriesOf,
  statusMessagesOf,
  rolesAddressed,
  messageByTransactionId,
  addStatusMessages,
  // QueueStore
  countQueue,
  listQueue,
  redriveCopies,
  // PauseStore
  savePause,
  deletePause,
  listPauses,
  // PortalUserStore
  issuePortalLink,
  redeemPortalLink,
  portalUser,
  portalUserByLink,
  portalUsers,
  removePortalUser,
  releaseCopies,
  listEndpoints,
  noticeWaitingCopies,
  // ReplayStore, AuditStore
  replayKeys,
  replayStatuses,
  startRequeue,
  requeues,
  searchMessages,
  searchCalls,
  evidenceOf,
  sendTotals,
  receivedTotals,
  rejectionTotals,
  // HousekeepingStore, and the store's own
  leadHousekeeping,
  housekeeping,
  watchDue,
  close,
};

export async function openPostgresStore({ url, migrations, poolSize }: PostgresOptions): Promise<Store> {
  const pool = createPool(url, poolSize);
  // An idle connection that the server closes is replaced on next use; the error must not kill the process.
  pool.on('error', () => undefined);
  try {
    await migrate(pool, migrations);
  } catch (e) {
    await pool.end();
    throw e;
  }
  const context: Postgres = { pool, url, leader: null };
  return {
    backend: 'postgres',
    ...bindOperations(context, operations),
    migrationsBehind: () => migrationsBehind(async (sql) => (await pool.query(sql)).rows as Row[], migrations),
  };
}

async function close(c: Postgres): Promise<void> {
  await c.leader?.end().catch(() => undefined);
  c.leader = null;
  await c.pool.end();
}
