import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deadHolders,
  formatLeaseHolder,
  parseLeaseHolder,
  renewalInterval,
  type LeaseHolder,
} from '../../src/domain/lease.js';

const self: LeaseHolder = { host: 'dip-1', pid: 400, instance: 'b2', dataDir: 'aaaaaaaaaaaa' };
const other = (over: Partial<LeaseHolder>): string => formatLeaseHolder({ ...self, ...over });

test('a lease holder is written and read back', () => {
  assert.equal(formatLeaseHolder(self), 'dip-1:400:b2:aaaaaaaaaaaa');
  assert.deepEqual(parseLeaseHolder(formatLeaseHolder(self)), self);
  assert.equal(parseLeaseHolder('dip-1:400'), null);
  assert.equal(parseLeaseHolder('old-style-owner'), null);
});

test('with a store locked to one process, every holder but this engine is dead', () => {
  const holders = [formatLeaseHolder(self), other({ pid: 12 }), other({ host: 'elsewhere' }), 'old-style-owner'];
  assert.deepEqual(deadHolders(holders, self, { exclusive: true, isAlive: () => true }), holders.slice(1));
});

test('with a shared store, only holders of this machine and data directory whose process is gone, or earlier engines of this process', () => {
  const alive = new Set([400, 500]);
  const isAlive = (pid: number) => alive.has(pid);
  const gone = other({ pid: 12 });
  const earlierEngine = other({ instance: 'a1' });
  const holders = [
    formatLeaseHolder(self),
    gone,
    earlierEngine,
    other({ pid: 500 }),
    other({ pid: 13, host: 'dip-2' }),
    other({ pid: 14, dataDir: 'bbbbbbbbbbbb' }),
    'old-style-owner',
  ];
  assert.deepEqual(deadHolders(holders, self, { exclusive: false, isAlive }), [gone, earlierEngine]);
});

test('leases are renewed four times per lease, but not more often than ten times a second', () => {
  assert.equal(renewalInterval(20_000), 5_000);
  assert.equal(renewalInterval(200), 100);
});
