import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openStore } from '../../src/storage/open.js';
import { storageContract, type Backend } from './contract.js';
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

const dir = mkdtempSync(join(tmpdir(), 'opendip-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let current = '';

const file: Backend = {
  name: 'sqlite',
  open: async () => {
    current = `sqlite:${join(dir, `store-${++n}.db`)}`;
    return openStore(current);
  },
  reopen: async () => openStore(current),
};
const memory: Backend = { name: 'sqlite in memory', open: async () => openStore('sqlite::memory:') };

for (const backend of [file, memory]) {
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
}
