/**
 * The registry's operator side end to end: who serves an MPAN (with the message that appointed each, now,
 * at a time, and the history) for operators and for the participants that serve it; participants with
 * roles and grants; certificates and API keys with their state; and a certificate added ahead of its
 * activation for a rotation, refused until then by the DIP's (injected) clock and accepted after, while the
 * one it replaces serves until deactivated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { issueCertificate, type KeyAndCertificate } from '../../src/crypto/devpki.js';
import { fingerprintOf } from '../../src/crypto/certificates.js';
import { X509Certificate } from 'node:crypto';
import { withCheckDigit } from '../../src/domain/mpan.js';
import { DEMO_PARTICIPANTS } from '../../src/demo/market.js';
import { hashApiKey } from '../../src/registry/registry.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';

const OPERATOR = '9000000001';
const SUP = '1000000001';
const SUP2 = '1000000002';
const REGS = '1100000001';
const LDSO = '1600000001';
const HOUR = 3_600_000;
const MPAN = withCheckDigit('197000000001');

interface Appointment {
  service: string;
  participantId: string;
  to: string | null;
  appointedBy: { channel: string | null; transactionId: string | null } | null;
}
interface MpanAnswer {
  services: Record<string, Appointment | null>;
  history?: Appointment[];
}
interface Participants {
  participants: {
    dipId: string;
    roles: string[];
    actsFor: { participantId: string; role: string }[];
    assignedTo: { role: string; dcpId: string }[];
  }[];
}
interface Credentials {
  certificates: { fingerprint: string; state: string; daysLeft: number }[];
  apiKeys: { keyHash: string; state: string }[];
}

describe('the registry for operators and serving participants', () => {
  let t: TestDip;
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  before(async () => {
    t = await startTestDip({ clock, flags: { batchLingerMs: '0' } });
  });
  after(async () => {
    await t?.close();
  });

  const get = (
    as: string,
    path: string,
    o: { cert?: KeyAndCertificate; apiKey?: string | null } = {},
  ): Promise<Reply> =>
    t.send({
      as,
      method: 'GET',
      channel: 'x',
      path: `/1.1${path}`,
      body: undefined,
      date: new Date(clock.now()).toISOString(),
      ...(o.cert ? { cert: o.cert.certificatePem, key: o.cert.privateKeyPem } : {}),
      ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}),
    });
  const body = <T = MpanAnswer>(r: Reply): T => JSON.parse(r.text) as T;

  test('who serves an MPAN: every service, the message that appointed it, at a time, and the history', async () => {
    const t0 = clock.now();
    await t.appoint(MPAN, 'SUP', SUP, t0 - 10 * HOUR);
    await t.appoint(MPAN, 'SUP', SUP2, t0 - 5 * HOUR);
    const payload = t.message({ channel: 'IF-002', sender: REGS, role: 'REGS', mpan: MPAN, distributor: LDSO }).payload;
    const sent = await t.send({ as: REGS, channel: 'IF-002', body: [{ payload }] });
    assert.equal(sent.status, 201, sent.text);
    const transactionId = sent.json.messageArray[0]!.transactionID;

    const now = await get(OPERATOR, `/admin/mpans/${MPAN}`);
    assert.equal(now.status, 200, now.text);
    const r = body(now);
    assert.deepEqual(Object.keys(r.services).sort(), ['DS', 'LDSO', 'MDR', 'MS', 'REGS', 'SUP']);
    assert.equal(r.services.SUP!.participantId, SUP2);
    assert.equal(r.services.SUP!.appointedBy, null, 'an import names no message');
    assert.deepEqual(r.services.REGS!.appointedBy, { channel: 'IF-002', transactionId });
    assert.deepEqual(r.services.LDSO!.appointedBy, { channel: 'IF-002', transactionId });
    assert.equal(r.services.LDSO!.participantId, LDSO);
    assert.equal(r.services.MS, null);
    assert.deepEqual(
      r.history!.map((a) => [a.service, a.participantId]),
      [
        ['LDSO', LDSO],
        ['REGS', REGS],
        ['SUP', SUP],
        ['SUP', SUP2],
      ],
    );
    assert.equal(r.history![2]!.to, new Date(t0 - 5 * HOUR).toISOString(), 'the earlier supplier’s appointment ended');

    const earlier = body(await get(OPERATOR, `/admin/mpans/${MPAN}?at=${new Date(t0 - 7 * HOUR).toISOString()}`));
    assert.equal(earlier.services.SUP!.participantId, SUP, 'at a time: who served then');
    assert.equal(earlier.services.REGS, null, 'the registration service came later');
    const nobody = body(await get(OPERATOR, `/admin/mpans/${withCheckDigit('197000000002')}`));
    assert.deepEqual([Object.values(nobody.services).every((s) => s === null), nobody.history], [true, []]);
  });

  test('a participant reads an MPAN it serves (now, or at the time asked), and a stranger learns nothing', async () => {
    const path = `/mpans/${MPAN}/appointments`;
    const mine = await get(SUP2, path);
    assert.equal(mine.status, 200, mine.text);
    assert.equal(body(mine).services.SUP!.participantId, SUP2);
    assert.equal(body(mine).history, undefined, 'participants get no history');
    // SUP served seven hours ago, not now: it may ask about then, not about now.
    const then = new Date(clock.now() - 7 * HOUR).toISOString();
    const past = await get(SUP, `${path}?at=${then}`);
    assert.equal(past.status, 200, past.text);
    assert.equal(body(past).services.SUP!.participantId, SUP);
    const stranger = await get(SUP, path);
    const unknown = await get(SUP, `/mpans/${withCheckDigit('197000000002')}/appointments`);
    assert.deepEqual([stranger.status, stranger.text], [204, '']);
    assert.deepEqual([unknown.status, unknown.text], [stranger.status, stranger.text], 'same answer as for nobody');
    // The demo market's DCP acts for the current supplier as SUP: it serves the MPAN as the supplier does.
    const dcp = DEMO_PARTICIPANTS.find((p) => p.actsFor?.some((g) => g.participant === SUP2 && g.role === 'SUP'))!;
    assert.equal((await get(dcp.dipId, path)).status, 200, 'the supplier’s DCP');
  });

  test('bad MPAN queries are refused saying what is wrong', async () => {
    const digit = await get(OPERATOR, `/admin/mpans/${MPAN.slice(0, 12)}${(Number(MPAN[12]) + 1) % 10}`);
    assert.equal(digit.status, 400);
    assert.match(digit.json.messageArray[0]!.message!, /^MSG1039 /);
    assert.match(digit.json.messageArray[0]!.help!, /check digit/);
    const at = await get(SUP2, `/mpans/${MPAN}/appointments?at=yesterday`);
    assert.equal(at.status, 400);
    assert.match(at.json.messageArray[0]!.message!, /^MSG1000 /);
    assert.match(at.json.messageArray[0]!.help!, /at is a date-time/);
    const extra = await get(OPERATOR, `/admin/participants?role=SUP`);
    assert.equal(extra.status, 400);
    assert.match(extra.json.messageArray[0]!.help!, /unknown parameter\(s\) role/);
    const days = await get(OPERATOR, '/admin/certificates?expiringWithinDays=soon');
    assert.equal(days.status, 400);
    assert.match(days.json.messageArray[0]!.help!, /expiringWithinDays is a whole number of days/);
    assert.equal((await get(OPERATOR, '/admin/certificates?expiringWithinDays=')).status, 400, 'empty is not absent');
  });

  test('participants are listed with their roles and DCP grants', async () => {
    const r = await get(OPERATOR, '/admin/participants');
    assert.equal(r.status, 200, r.text);
    const listed = new Map(body<Participants>(r).participants.map((p) => [p.dipId, p]));
    for (const p of DEMO_PARTICIPANTS) {
      assert.deepEqual([...listed.get(p.dipId)!.roles].sort(), [...p.roles].sort(), p.dipId);
      assert.deepEqual(
        listed.get(p.dipId)!.actsFor,
        (p.actsFor ?? []).map((g) => ({ participantId: g.participant, role: g.role })),
      );
      for (const g of p.actsFor ?? [])
        assert.ok(listed.get(g.participant)!.assignedTo.some((a) => a.role === g.role && a.dcpId === p.dipId));
    }
  });

  test('certificates and API keys are listed with expiry and state; --expiring keeps what ends soon', async () => {
    const all = body<Credentials>(await get(OPERATOR, '/admin/certificates'));
    const expiredFp = fingerprintOf(new X509Certificate(t.pki.expired.certificatePem));
    const ownFp = fingerprintOf(new X509Certificate(t.pki.participants[SUP2]!.certificatePem));
    const byFp = new Map(all.certificates.map((c) => [c.fingerprint, c]));
    assert.equal(byFp.get(expiredFp)!.state, 'expired');
    assert.equal(byFp.get(ownFp)!.state, 'active');
    assert.ok(byFp.get(ownFp)!.daysLeft > 30);
    assert.ok(all.apiKeys.some((k) => k.keyHash === hashApiKey(t.apiKeys[SUP2]!) && k.state === 'active'));
    const soon = body<Credentials>(await get(OPERATOR, '/admin/certificates?expiringWithinDays=30'));
    const fps = soon.certificates.map((c) => c.fingerprint);
    assert.ok(fps.includes(expiredFp) && !fps.includes(ownFp), 'only what ends within 30 days');
    assert.deepEqual(soon.apiKeys, [], 'API keys do not expire');
  });

  test('a certificate registered ahead of its activation is refused until then and accepted after; the old one serves until deactivated', async () => {
    const next = await issueCertificate(t.pki.ca, { commonName: SUP2, usage: 'client' });
    const activeFrom = clock.now() + HOUR;
    const fp = await t.dip.registry.registerCertificate(SUP2, next.certificatePem, activeFrom);
    const early = await get(SUP2, `/mpans/${MPAN}/appointments`, { cert: next });
    assert.equal(early.status, 401, early.text);
    assert.match(early.json.messageArray[0]!.message!, /^MSG1000 /);
    assert.match(early.json.messageArray[0]!.help!, /registered for use from .* and not before/);
    assert.equal((await get(SUP2, `/mpans/${MPAN}/appointments`)).status, 200, 'the current one serves meanwhile');
    const listed = body<Credentials>(await get(OPERATOR, '/admin/certificates'));
    assert.equal(listed.certificates.find((c) => c.fingerprint === fp)!.state, 'not-yet-active');

    offset += 2 * HOUR;
    assert.equal((await get(SUP2, `/mpans/${MPAN}/appointments`, { cert: next })).status, 200, 'active now');
    const old = fingerprintOf(new X509Certificate(t.pki.participants[SUP2]!.certificatePem));
    assert.equal((await get(SUP2, `/mpans/${MPAN}/appointments`)).status, 200, 'the old one until deactivated');
    await t.dip.registry.retire('certificate', old, 'deactivated', clock.now());
    const retired = await get(SUP2, `/mpans/${MPAN}/appointments`);
    assert.equal(retired.status, 401);
    assert.match(retired.json.messageArray[0]!.help!, /was deactivated on/);
    assert.equal((await get(SUP2, `/mpans/${MPAN}/appointments`, { cert: next })).status, 200);

    await t.dip.registry.retire('api-key', hashApiKey(t.apiKeys[SUP2]!), 'revoked', clock.now());
    const key = await get(SUP2, `/mpans/${MPAN}/appointments`, { cert: next, apiKey: t.apiKeys[SUP2]! });
    assert.equal(key.status, 401);
    assert.match(key.json.messageArray[0]!.help!, /X-API-Key was revoked on/);
    const states = body<Credentials>(await get(OPERATOR, '/admin/certificates'));
    assert.equal(states.certificates.find((c) => c.fingerprint === old)!.state, 'deactivated');
    assert.equal(states.apiKeys.find((k) => k.keyHash === hashApiKey(t.apiKeys[SUP2]!))!.state, 'revoked');
  });
});
