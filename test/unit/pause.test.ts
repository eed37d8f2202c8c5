/** The pure rules of pauses: which pause refuses a channel, which endpoints a delivery pause covers, and strict bodies. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANY, coversEndpoint, ingressPauseOf, pauseRequestOf, type Pause } from '../../src/domain/pause.js';

const p = (over: Partial<Pause>): Pause => ({
  kind: 'ingress',
  channel: ANY,
  recipientId: ANY,
  role: ANY,
  reason: null,
  retryAfterSeconds: null,
  pausedBy: '9000000001',
  pausedAt: 0,
  ...over,
});
const isChannel = (id: string, kind: string) => id === 'IF-021' || (kind === 'delivery' && id === 'STATUS');

test("a channel's own ingress pause answers before the all-channel one; delivery pauses refuse no send", () => {
  const all = p({ retryAfterSeconds: 600 });
  const own = p({ channel: 'IF-021', retryAfterSeconds: 60 });
  assert.equal(ingressPauseOf([all, own], 'IF-021'), own);
  assert.equal(ingressPauseOf([all, own], 'IF-004'), all);
  assert.equal(ingressPauseOf([own], 'IF-004'), null);
  assert.equal(ingressPauseOf([p({ kind: 'delivery', channel: 'IF-021' })], 'IF-021'), null);
});

test('a delivery pause covers its channel, narrowed by recipient and role', () => {
  const channel = p({ kind: 'delivery', channel: 'IF-021' });
  const recipient = { ...channel, recipientId: '1000000001' };
  const endpoint = { ...recipient, role: 'SUP' };
  assert.ok(coversEndpoint(channel, '1600000001', 'IF-021', 'LDSO'));
  assert.ok(!coversEndpoint(channel, '1600000001', 'IF-004', 'LDSO'));
  assert.ok(coversEndpoint(recipient, '1000000001', 'IF-021', 'SUP'));
  assert.ok(!coversEndpoint(recipient, '1000000002', 'IF-021', 'SUP'));
  assert.ok(coversEndpoint(endpoint, '1000000001', 'IF-021', 'SUP'));
  assert.ok(!coversEndpoint(endpoint, '1000000001', 'IF-021', 'DCP'));
  assert.ok(!coversEndpoint(p({ channel: 'IF-021' }), '1000000001', 'IF-021', 'SUP'), 'an ingress pause');
});

test('pause bodies are read strictly, each refusal saying what is wrong', () => {
  assert.deepEqual(pauseRequestOf({ ingress: true, channel: 'if-021', retryAfter: 30 }, isChannel, false), {
    ok: true,
    value: {
      scope: { kind: 'ingress', channel: 'IF-021', recipientId: ANY, role: ANY },
      reason: null,
      retryAfterSeconds: 30,
    },
  });
  assert.deepEqual(
    pauseRequestOf({ delivery: true, channel: 'STATUS', recipient: '1000000001', role: 'sup' }, isChannel, true),
    {
      ok: true,
      value: {
        scope: { kind: 'delivery', channel: 'STATUS', recipientId: '1000000001', role: 'SUP' },
        reason: null,
        retryAfterSeconds: null,
      },
    },
  );
  const refused: [unknown, boolean, RegExp][] = [
    [[], false, /the body is a JSON object/],
    [{ ingress: true, delivery: true }, false, /either "ingress": true or "delivery": true/],
    [{ ingress: 'yes' }, false, /either/],
    [{ ingress: true, retryAfter: 30 }, true, /unknown member\(s\) retryAfter/],
    [{ ingress: true, channel: 'IF-999' }, false, /'IF-999' is not a DIP channel/],
    [{ ingress: true, channel: 'STATUS' }, false, /not a DIP channel/],
    [{ delivery: true }, false, /names its channel/],
    [{ delivery: true, channel: 'IF-021', recipient: 'nobody' }, false, /10 hexadecimal characters/],
    [{ delivery: true, channel: 'IF-021', role: 'SUP' }, false, /name the recipient too/],
    [{ ingress: true, reason: '' }, false, /reason is a non-empty string/],
    [{ ingress: true, reason: 'x'.repeat(501) }, false, /at most 500 characters/],
    [{ ingress: true, retryAfter: 1.5 }, false, /whole number of seconds/],
    [{ ingress: true, retryAfter: 86_401 }, false, /1 to 86400/],
  ];
  for (const [body, resume, help] of refused) {
    const r = pauseRequestOf(body, isChannel, resume);
    assert.ok(!r.ok, JSON.stringify(body));
    assert.match(r.help, help, JSON.stringify(body));
  }
});
