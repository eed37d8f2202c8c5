import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retentionFor, retentionPlan } from '../../src/domain/retention.js';

const DAY = 86_400_000;

test('retention: the default unless a channel has its own; housekeeping purges beyond the longest, and shorter-kept channels sooner', () => {
  const r = { defaultMs: 730 * DAY, byChannel: { 'IF-021': 365 * DAY, 'IF-013': 1_000 * DAY } };
  assert.equal(retentionFor(r, 'IF-021'), 365 * DAY);
  assert.equal(retentionFor(r, 'IF-001'), 730 * DAY);
  assert.deepEqual(retentionPlan(r, ['IF-001', 'IF-013', 'IF-021']), {
    longestMs: 1_000 * DAY,
    shorter: [
      { channel: 'IF-001', ms: 730 * DAY },
      { channel: 'IF-021', ms: 365 * DAY },
    ],
  });
  assert.deepEqual(retentionPlan({ defaultMs: 730 * DAY, byChannel: {} }, ['IF-001']), {
    longestMs: 730 * DAY,
    shorter: [],
  });
});
