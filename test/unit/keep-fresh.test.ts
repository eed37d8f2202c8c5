import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { keepFresh } from '../../src/registry/registry.js';

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
