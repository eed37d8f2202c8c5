import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { RegistryData } from '../../src/domain/model.js';
import { followChanges, keepFresh, openRegistry } from '../../src/registry/registry.js';
import type { RegistryStore } from '../../src/storage/ports.js';

const EMPTY: RegistryData = { participants: [], dcpGrants: [], certificates: [], apiKeys: [] };
const granted = (dcpId: string): RegistryData => ({
  ...EMPTY,
  dcpGrants: [{ participantId: '1000000002', role: 'SUP', dcpId }],
});

test('keepFresh reads the registry every interval and when asked, logs a failed read, and stops', async () => {
  let reads = 0;
  const warnings: unknown[] = [];
  const registry = {
    refresh: () => (++reads === 2 ? Promise.reject(new Error('database gone')) : Promise.resolve()),
  };
  const refresher = keepFresh(registry, 20, { warn: (obj: unknown) => void warnings.push(obj) });
  refresher.now();
  assert.equal(reads, 1, 'asked: read at once');
  // Generous, for a loaded machine: the interval only has to come round twice.
  for (let waited = 0; reads < 3 && waited < 5_000; waited += 10) await sleep(10);
  refresher.stop();
  const after = reads;
  assert.ok(after >= 3, `read again every interval (${after} reads)`);
  await sleep(0);
  assert.equal(warnings.length, 1);
  assert.match(String((warnings[0] as { err: Error }).err), /database gone/);
  await sleep(60);
  assert.equal(reads, after, 'no read once stopped');
});

test('of two reads that overlap, the one begun last is kept, even when the other ends after it', async () => {
  // The grant is withdrawn between a periodic read's start and a later read's: the first read is stale.
  const answers: ((data: RegistryData) => void)[] = [];
  let reads = 0;
  const store = {
    loadRegistry: () =>
      ++reads === 1 ? Promise.resolve(granted('1900000001')) : new Promise<RegistryData>((r) => answers.push(r)),
  } as Pick<RegistryStore, 'loadRegistry'> as RegistryStore;
  const registry = await openRegistry(store);
  assert.equal(registry.view().dcpFor('1000000002', 'SUP'), '1900000001');
  const stale = registry.refresh();
  const fresh = registry.refresh();
  answers[1]!(EMPTY);
  await fresh;
  answers[0]!(granted('1900000001'));
  await stale;
  assert.equal(registry.view().dcpFor('1000000002', 'SUP'), undefined, 'the withdrawn grant stays withdrawn');
});

test('a thread following the count of registry changes reloads once per change it has not heard, and only then', async () => {
  const changes = new Int32Array(new SharedArrayBuffer(4));
  Atomics.add(changes, 0, 1); // made before the thread started: its first load has it
  let reloads = 0;
  const registry = { refresh: async () => void reloads++ };
  const caughtUp = followChanges(changes);
  await caughtUp(registry);
  assert.equal(reloads, 0, 'nothing new');
  Atomics.add(changes, 0, 1);
  await caughtUp(registry);
  assert.equal(reloads, 1, 'a change not yet heard: reloaded before acting');
  await caughtUp(registry);
  assert.equal(reloads, 1, 'heard already');
  Atomics.add(changes, 0, 2);
  await caughtUp(registry);
  await caughtUp(registry);
  assert.equal(reloads, 2, 'two changes at once, one reload');
});
