/**
 * The operator's queue filters as parsed from a query or a body: what an operator types is what the store
 * is asked, including `role=STATUS` for status messages, which are kept under their recipient's own role.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listingFrom, selectorsFrom } from '../../src/delivery/operator-queue.js';

const NOW = 1_800_000_000_000;

test('role STATUS names every status copy: channel STATUS, any role', () => {
  const parsed = listingFrom({ state: 'pending', recipient: '1000000001', role: 'status' }, NOW);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.filter, {
    state: 'pending',
    recipientId: '1000000001',
    role: null,
    channel: 'STATUS',
    createdBefore: null,
  });
  const both = listingFrom({ state: 'dead', role: 'STATUS', channel: 'status' }, NOW);
  assert.ok(both.ok && both.value.filter.channel === 'STATUS' && both.value.filter.role === null);
});

test('role STATUS with another channel is refused, saying why', () => {
  const parsed = listingFrom({ state: 'held', role: 'STATUS', channel: 'IF-004' }, NOW);
  assert.equal(parsed.ok, false);
  assert.match(!parsed.ok ? parsed.help : '', /role STATUS names the status messages, on channel STATUS/);
});

test('a market role and channel are asked as given, upper-cased; an age becomes a creation bound', () => {
  const parsed = listingFrom({ state: 'held', role: 'mss', channel: 'if-004', olderThanMinutes: '30' }, NOW);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.filter, {
    state: 'held',
    recipientId: null,
    role: 'MSS',
    channel: 'IF-004',
    createdBefore: NOW - 30 * 60_000,
  });
  const body = Buffer.from(JSON.stringify({ recipient: '1300000001', role: 'STATUS' }));
  const selectors = selectorsFrom(body, NOW, ['held', 'dead']);
  assert.ok(selectors.ok);
  for (const s of selectors.value) {
    assert.ok('filter' in s);
    assert.equal(s.filter.channel, 'STATUS', 'a redrive of status copies asks for channel STATUS');
    assert.equal(s.filter.role, null);
  }
});
