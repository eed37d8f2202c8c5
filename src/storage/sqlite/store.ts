/**
 * The embedded store: one SQLite file in WAL mode, owned by one process. better-sqlite3 is synchronous;
 * the async contract is met by resolving immediately, and every batch is one short write transaction.
 */
import Database from 'better-sqlite3';
import { migrationsBehind, type Migration } from '../migrate.js';
import { bindOperations } from '../operations.js';
import type { Row } from '../rows.js';
import type { Store } from '../ports.js';
import { countMessages, messageByReference, messageBySeq, messageByTransactionId, messagesBySeq } from './archive.js';
import { evidenceOf, receivedTotals, rejectionTotals, searchCalls, searchMessages, sendTotals } from './audit.js';
import { recentCalls } from './calls.js';
import { sqliteContext, type Sqlite } from './context.js';
import { deliveriesOf, pendingDeliveries, rolesAddressed } from './deliveries.js';
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

export interface SqliteOptions {
  /** File path, or ':memory:' for tests. */
  path: string;
  migrations: Migration[];
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
  close,
};

export async function openSqliteStore({ path, migrations }: SqliteOptions): Promise<Store> {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the DIP acknowledges it, even across a power cut.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  await migrate(db, migrations);
  return {
    backend: 'sqlite',
    ...bindOperations(sqliteContext(db), operations),
    migrationsBehind: () => migrationsBehind(async (sql) => db.prepare(sql).all() as Row[], migrations),
  };
}

async function close(c: Sqlite): Promise<void> {
  c.db.close();
}
