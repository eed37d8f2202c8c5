/**
 * Continuation tokens across a rotation of the DIP's signing key: a token names the key that sealed it,
 * a retired key opens its tokens until they expire, and nothing else opens.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import {
  CONTINUATION_LIFETIME_MS,
  continuationKeyOf,
  openContinuation,
  sealContinuation,
  type ContinuationKeys,
} from '../../src/domain/continuation.js';

const OLD = continuationKeyOf('-----BEGIN PRIVATE KEY-----\nold\n-----END PRIVATE KEY-----\n');
const NEW = continuationKeyOf('-----BEGIN PRIVATE KEY-----\nnew\n-----END PRIVATE KEY-----\n');
const T0 = 1_800_000_000_000;
const before: ContinuationKeys = { current: OLD, previous: [] };
const rotated: ContinuationKeys = { current: NEW, previous: [OLD] };
const c = { request: 'fingerprint', after: { seq: 42, role: 'SUP' } };

test('a token sealed before a rotation opens after it, until it expires', () => {
  const token = sealContinuation(before, c, T0);
  assert.ok(token.startsWith(`${OLD.id}.`), 'the token names its key');
  assert.deepEqual(openContinuation(rotated, token, 'fingerprint', T0 + 1_000)?.after, c.after);
  assert.equal(openContinuation(rotated, token, 'fingerprint', T0 + CONTINUATION_LIFETIME_MS), null, 'expired');
  assert.equal(openContinuation({ current: NEW, previous: [] }, token, 'fingerprint', T0), null, 'key dropped');
  assert.ok(sealContinuation(rotated, c, T0).startsWith(`${NEW.id}.`), 'new tokens are sealed with the new key');
});

test('altered, re-keyed, borrowed and forged tokens are refused', () => {
  const token = sealContinuation(rotated, c, T0);
  const [id, body, mac] = token.split('.') as [string, string, string];
  const altered = Buffer.from(JSON.stringify({ ...c, after: { seq: 1, role: 'SUP' }, expires: T0 + 1 }), 'utf8');
  const refused = [
    `${id}.${altered.toString('base64url')}.${mac}`,
    `${OLD.id}.${body}.${mac}`,
    `${'0'.repeat(16)}.${body}.${mac}`,
    `${id}.${body}`,
    `${id}.${body}.${mac}.x`,
    // Sealed as the DIP would, with a key the DIP does not hold.
    sealContinuation({ current: { id, key: Buffer.alloc(32, 7) }, previous: [] }, c, T0),
  ];
  for (const forged of refused) assert.equal(openContinuation(rotated, forged, 'fingerprint', T0), null, forged);
  assert.equal(openContinuation(rotated, token, 'another request', T0), null, 'bound to its request');
});

test('a token of the two-part form, sealed before tokens named their key, opens with the current key', () => {
  const body = Buffer.from(JSON.stringify(c), 'utf8');
  const legacy = `${body.toString('base64url')}.${createHmac('sha256', NEW.key).update(body).digest('base64url')}`;
  assert.deepEqual(openContinuation(rotated, legacy, 'fingerprint', T0)?.after, c.after);
  assert.equal(openContinuation(before, legacy, 'fingerprint', T0), null);
});
