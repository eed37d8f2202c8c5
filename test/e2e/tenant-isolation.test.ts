/**
 * Tenant isolation, as a property over random markets, on SQLite and PostgreSQL: participants with
 * several roles, DIP Connection Providers assigned some of them, random consumption traffic (sent by the
 * data services themselves or by their DCPs), random webhook configurations by entitled callers and by
 * strangers. Then, for every recipient-scoped endpoint, no caller sees, replays, requeues, configures,
 * reports on or is sent anything but what was addressed to (or sent by) a participant in a role the caller
 * acts in, and nobody learns who serves an MPAN it does not serve. Entitlement is modelled here from the generated market, not asked of the DIP.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { sequenceOfTransactionId } from '../../src/domain/ids.js';
import { formatDateTime, startOfUtcDay } from '../../src/domain/time.js';
import type { Role } from '../../src/domain/model.js';
import type { StandardResponseItem } from '../../src/domain/responses.js';
import { DEMO_PARTICIPANTS } from '../../src/demo/market.js';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import type { ArchivedMessage } from '../../src/domain/archive.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { dropSchemas, freshSchemaUrl, postgresUnavailable } from '../helpers/postgres.js';
import { until } from './delivery-support.js';

const IDS = DEMO_PARTICIPANTS.map((p) => p.dipId);
const ROLE_POOL: Role[] = ['SUP', 'LDSO', 'SDS', 'MDS', 'LSS'];
/** Who serves each test MPAN: two fully served, one with no services at all (its messages raise status messages). */
const MPANS = ['1900000001017', '1900000001026', '1900000001035'];
const REQUEST = { datetimeFrom: null, datetimeTo: null, eventCode: null, MPAN: null, version: null };

interface Market {
  roles: Map<string, Role[]>;
  /** participant|role → the DCP it assigned that role to. */
  grants: Map<string, string>;
  appointments: { mpan: string; sup: string; ldso: string }[];
  traffic: { sender: string; viaDcp: boolean; mpan: string }[];
  configs: { caller: string; recipient: string; role: Role | null; status: boolean }[];
  /** Who asks about whom: a participant about itself, a DCP about a participant that assigned it a role, or a stranger. */
  pairs: { caller: string; recipient: string; n: number }[];
}

/** The model: the roles of `p` that `c` acts in ('' is the participant as a whole, itself only). */
function rolesOf(m: Market, c: string, p: string): string[] {
  if (c === p) return ['', ...(m.roles.get(p) ?? [])];
  return [...m.grants].filter(([k, dcp]) => dcp === c && k.startsWith(`${p}|`)).map(([k]) => k.split('|')[1]!);
}

const marketArb: fc.Arbitrary<Market> = fc
  .record({
    roleSets: fc.array(fc.subarray(ROLE_POOL), { minLength: IDS.length, maxLength: IDS.length }),
    dcps: fc.subarray(IDS.slice(3), { minLength: 2, maxLength: 4 }),
    grantPicks: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 12 }),
    traffic: fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.nat()), { minLength: 4, maxLength: 10 }),
    configs: fc.array(
      fc.tuple(fc.nat(), fc.nat(), fc.option(fc.constantFrom(...ROLE_POOL, 'DCP' as Role)), fc.boolean()),
      { minLength: 10, maxLength: 30 },
    ),
    probes: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 24, maxLength: 40 }),
  })
  .map((g) => {
    const roles = new Map<string, Role[]>(IDS.map((id, i) => [id, [...g.roleSets[i]!]]));
    // Someone must send, supply and distribute; the DCPs hold their role beside whatever else they do.
    for (const [id, role] of [
      [IDS[0]!, 'SDS'],
      [IDS[1]!, 'SUP'],
      [IDS[2]!, 'LDSO'],
    ] as const)
      if (!roles.get(id)!.includes(role)) roles.get(id)!.push(role);
    for (const d of g.dcps) roles.get(d)!.push('DCP');
    const holders = (role: Role) => IDS.filter((id) => roles.get(id)!.includes(role));
    // One grant at least: the supplier gives SUP to the first DCP, which configures for it last (see below).
    const grants = new Map<string, string>([[`${IDS[1]}|SUP`, g.dcps[0]!]]);
    for (const [p, r, d] of g.grantPicks) {
      const participant = IDS[p % IDS.length]!;
      const own = roles.get(participant)!.filter((x) => x !== 'DCP');
      const dcp = g.dcps[d % g.dcps.length]!;
      if (own.length > 0 && dcp !== participant) grants.set(`${participant}|${own[r % own.length]}`, dcp);
    }
    const pick = <T>(list: T[], n: number): T => list[n % list.length]!;
    const granted = [...grants].map(([k, dcp]) => ({ caller: dcp, recipient: k.split('|')[0]! }));
    const pair = (a: number, b: number): { caller: string; recipient: string; n: number } => {
      const kind = a % 3;
      if (kind === 1 && granted.length > 0) return { ...pick(granted, b), n: a + b };
      const recipient = pick(IDS, b);
      return { caller: kind === 0 ? recipient : pick(IDS, Math.floor(a / 3)), recipient, n: a + b };
    };
    const appointments = MPANS.slice(0, 2).map((mpan, i) => ({
      mpan,
      sup: i === 0 ? IDS[1]! : pick(holders('SUP'), i * 7 + g.traffic.length),
      ldso: pick(holders('LDSO'), i * 5 + g.configs.length),
    }));
    const senders = holders('SDS');
    return {
      roles,
      grants,
      appointments,
      traffic: g.traffic.map(([s, viaDcp, mp], i) => {
        const sender = pick(senders, s);
        return { sender, viaDcp: viaDcp && grants.has(`${sender}|SDS`), mpan: i === 0 ? MPANS[0]! : pick(MPANS, mp) };
      }),
      configs: [
        ...g.configs.map(([c, r, role, status]) => ({ ...pair(c, r), role, status })),
        { caller: grants.get(`${IDS[1]}|SUP`)!, recipient: IDS[1]!, n: 0, role: null, status: false },
      ],
      pairs: g.probes.map(([a, b]) => pair(a, b)),
    };
  });

/** The DIP's market made to match the model: roles, grants (the demo market's own withdrawn) and who serves the MPANs. */
async function shape(t: TestDip, m: Market): Promise<void> {
  for (const p of DEMO_PARTICIPANTS)
    for (const g of p.actsFor ?? []) await t.dip.registry.revokeDcp(g.participant, g.role);
  for (const p of DEMO_PARTICIPANTS)
    await t.dip.registry.saveParticipant({ dipId: p.dipId, name: p.name, roles: m.roles.get(p.dipId)! });
  for (const [key, dcpId] of m.grants) {
    const [participantId, role] = key.split('|') as [string, Role];
    await t.dip.registry.grantDcp({ dcpId, participantId, role });
  }
  for (const a of m.appointments) {
    await t.appoint(a.mpan, 'SUP', a.sup);
    await t.appoint(a.mpan, 'LDSO', a.ldso);
  }
}

const call = (
  t: TestDip,
  as: string,
  method: 'POST' | 'GET' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<Reply> => t.send({ as, channel: 'x', method, path: `/1.1${path}`, body, apiKey: null });

/**
 * Signs `id` in to the portal with its API key; returns a GET of a portal path in that session, or a POST of
 * a form with the session's CSRF token.
 */
async function portalSession(
  t: TestDip,
  id: string,
): Promise<(path: string, form?: Record<string, string>) => Promise<{ status: number; text: string }>> {
  const form = await t.dip.app.inject({ method: 'GET', url: '/portal/sign-in' });
  const token = /name="token" value="([^"]+)"/.exec(form.body)![1]!;
  const signIn = String([form.headers['set-cookie']].flat()[0]).split(';')[0]!;
  const done = await t.dip.app.inject({
    method: 'POST',
    url: '/portal/sign-in',
    headers: { cookie: signIn, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token, participant: id, apiKey: t.apiKeys[id]! }).toString(),
  });
  assert.equal(done.statusCode, 303, done.body);
  const cookie = [done.headers['set-cookie']]
    .flat()
    .map(String)
    .find((c) => c.startsWith('opendip_portal='))!
    .split(';')[0]!;
  const home = await t.dip.app.inject({ method: 'GET', url: '/portal/messages', headers: { cookie } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(home.body)![1]!;
  return async (url, form) => {
    const r = form
      ? await t.dip.app.inject({
          method: 'POST',
          url,
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ csrf, ...form }).toString(),
        })
      : await t.dip.app.inject({ method: 'GET', url, headers: { cookie } });
    return { status: r.statusCode, text: r.body };
  };
}

/** What a run checked, so that a report shows the property was exercised and not passed vacuously. */
interface Tally {
  calls: number;
  callsToDcpWebhooks: number;
  refused: number;
  dcpReplays: number;
  dcpJournals: number;
  mpanReads: number;
  dcpMpanReads: number;
  portalCalls: number;
}

async function run(t: TestDip, sink: Sink, m: Market, tally: Tally): Promise<void> {
  await shape(t, m);
  // Everyone has a webhook of its own, so nothing waits; then the random configurations, by whoever.
  for (const id of IDS) {
    assert.equal(
      (await call(t, id, 'POST', `/dip-channel/IF-021/pubconfig/${id}`, { callbackURL: `${sink.url}/${id}/${id}/own` }))
        .status,
      201,
    );
    assert.equal(
      (await call(t, id, 'POST', `/statusmessage/config/${id}`, { callbackURL: `${sink.url}/${id}/${id}/own` })).status,
      201,
    );
  }
  for (const c of m.configs) {
    const path = `${c.status ? '/statusmessage/config' : '/dip-channel/IF-021/pubconfig'}/${c.recipient}${c.role ? `?role=${c.role}` : ''}`;
    const r = await call(t, c.caller, 'POST', path, {
      callbackURL: `${sink.url}/${c.caller}/${c.recipient}/${c.role ?? 'any'}`,
    });
    const roles = rolesOf(m, c.caller, c.recipient);
    const expected = roles.length === 0 ? 403 : c.role === null || roles.includes(c.role) ? 201 : 403;
    assert.equal(r.status, expected, `${c.caller} configuring ${path}: ${r.text}`);
    if (expected === 403) tally.refused++;
  }

  // Traffic: each data service sends for itself, or through the DCP it assigned SDS to.
  const sent: ArchivedMessage[] = [];
  for (const x of m.traffic) {
    const dcp = x.viaDcp ? m.grants.get(`${x.sender}|SDS`)! : null;
    const message = t.message({ channel: 'IF-021', sender: x.sender, role: 'SDS', mpan: x.mpan, dcp });
    const r = await t.send({ as: dcp ?? x.sender, channel: 'IF-021', body: [message], apiKey: null });
    assert.equal(r.status, 201, r.text);
    sent.push((await t.dip.store.messageBySeq(sequenceOfTransactionId(r.json.messageArray[0]!.transactionID!)!))!);
  }
  const copies = new Map(
    await Promise.all(sent.map(async (s) => [s.seq, await t.dip.store.deliveriesOf(s.seq)] as const)),
  );
  const pick = <T>(list: T[], n: number): T => list[n % list.length]!;

  // Status messages reported by random callers on random messages, as random recipients.
  for (const { caller, recipient: as, n } of m.pairs.slice(0, 10)) {
    const msg = pick(sent, n);
    const item: StandardResponseItem = {
      transactionID: msg.transactionId,
      senderUniqueReference: msg.senderUniqueReference,
      correlationID: null,
      sentTimestamp: '2026-12-01T00:00:00+00:00',
      senderID: as,
      recipientID: msg.senderId,
      DIPConnectionProviderID: null,
      message: 'RCP1061 - MPAN Invalid or Unknown',
      help: null,
      serviceTicketURL: null,
    };
    const roles = rolesOf(m, caller, as);
    const entitled = copies.get(msg.seq)!.some((c) => c.recipientId === as && roles.includes(c.role!));
    assert.equal(
      (await call(t, caller, 'POST', '/statusmessage', [item])).status,
      entitled ? 201 : 400,
      `${caller} reporting as ${as} on ${msg.transactionId}`,
    );
  }

  // Everything is delivered before what was sent where is judged.
  const settled = async () => {
    for (const s of sent) {
      if ((await t.dip.store.deliveriesOf(s.seq)).some((c) => c.state !== 'delivered')) return false;
      if ((await t.dip.store.statusMessagesOf(s.seq)).some((c) => c.state !== 'delivered')) return false;
    }
    return true;
  };
  await until(settled, 'every copy and status message delivered', 30_000);

  // Requeues by random callers; their copies go through the same webhooks.
  for (const { caller, recipient } of m.pairs.slice(10, 16)) {
    const r = await call(t, caller, 'POST', `/dip-channel/IF-021/requeue/${recipient}`, REQUEST);
    assert.ok(
      rolesOf(m, caller, recipient).length === 0 ? r.status === 403 : [202, 429].includes(r.status),
      `${caller} requeue for ${recipient}: ${r.status} ${r.text}`,
    );
    const listed = await call(t, caller, 'GET', `/dip-channel/IF-021/requeueStatus/${recipient}`);
    if (listed.status === 200) {
      const visible = new Set((JSON.parse(listed.text) as { requeueId: string }[]).map((x) => x.requeueId));
      for (const q of await t.dip.store.requeues(recipient, 'IF-021', null)) {
        if (visible.has(q.id))
          assert.ok(
            (q.roles ?? ['']).every((role) => rolesOf(m, caller, recipient).includes(role)),
            `${caller} sees requeue ${q.id} of ${q.roles}`,
          );
      }
    }
  }
  await until(
    async () =>
      (await Promise.all(IDS.map((id) => t.dip.store.requeues(id, 'IF-021', null))))
        .flat()
        .every((q) => q.pending === 0),
    'requeues done',
    30_000,
  );

  // The portal follows a requeue for its recipient only, and opens the operator's pages and actions to
  // operators only.
  const requeues = (await Promise.all(IDS.map((id) => t.dip.store.requeues(id, 'IF-021', null)))).flat();
  for (const caller of new Set(m.pairs.map((x) => x.caller))) {
    const portal = await portalSession(t, caller);
    for (const q of requeues) {
      const page = await portal(`/portal/requeue/${q.id}?channel=IF-021`);
      assert.equal(page.status, q.recipientId === caller ? 200 : 404, `${caller} following ${q.id} in the portal`);
    }
    const operator = (m.roles.get(caller) ?? []).includes('OPERATOR' as Role);
    for (const path of [
      '/portal/operator',
      '/portal/operator/deliveries',
      '/portal/operator/endpoints',
      '/portal/operator/users',
      '/portal/operator/participants',
      '/portal/operator/certificates',
      '/portal/operator/mpans',
      '/portal/operator/calls',
    ]) {
      assert.equal((await portal(path)).status, operator ? 200 : 403, `${caller} opening ${path}`);
    }
    for (const action of ['redrive', 'release']) {
      const r = await portal(`/portal/operator/deliveries/${action}`, { state: 'held', recipient: caller });
      assert.equal(r.status, operator ? 200 : 403, `${caller} posting a ${action}`);
    }
    const link = await portal('/portal/operator/users', {
      username: `by-${caller}`,
      participant: IDS.find((id) => id !== caller)!,
    });
    assert.equal(link.status, operator ? 200 : 403, `${caller} issuing a sign-in link`);
    if (!operator) assert.equal(await t.dip.store.portalUser(`by-${caller}`), null);
    const pause = await portal('/portal/operator/pause', { kind: 'ingress', channel: 'IF-021' });
    assert.equal(pause.status, operator ? 200 : 403, `${caller} pausing ingress`);
    if (operator)
      assert.equal((await portal('/portal/operator/resume', { kind: 'ingress', channel: 'IF-021' })).status, 200);
    assert.deepEqual(await t.dip.store.listPauses(), [], `${caller} left nothing paused`);

    // Its account shows its own credentials and no one else's.
    const account = (await portal('/portal/account')).text;
    for (const c of t.dip.registry.view().certificates()) {
      assert.equal(
        account.includes(c.fingerprint),
        c.dipId === caller,
        `${caller}'s account and ${c.dipId}'s certificate`,
      );
    }
    // Its dashboard adds up its own sends, and its calls page lists only its own calls.
    await t.dip.callLog.flush();
    const dashboard = (await portal('/portal/dashboard')).text;
    const ownSends = await t.dip.store.sendTotals(startOfUtcDay(Date.now()), caller);
    const total = ownSends.reduce((n, x) => n + x.messages, 0);
    const shown = /<th scope="row">All channels<\/th>\s*<td>\d+<\/td>\s*<td>(\d+)<\/td>/.exec(dashboard);
    assert.equal(shown ? Number(shown[1]) : 0, total, `${caller}'s dashboard counts its own sends`);
    const listed = [...(await portal('/portal/calls')).text.matchAll(/<td>([^<]+)<\/td>\s*<td><code>([^<]+)<\/code>/g)];
    await t.dip.callLog.flush();
    const own = new Set(
      (await t.dip.store.searchCalls({}, [caller], null, 1_000)).map(
        (c) => `${formatDateTime(c.at)} ${c.method} ${c.path}`,
      ),
    );
    tally.portalCalls += listed.length;
    for (const [, at, call] of listed)
      assert.ok(own.has(`${at} ${call}`), `${caller}'s calls page lists ${at} ${call}`);
  }

  // Sent: every webhook call went where someone acting for that recipient in that role asked it to go.
  const bySeq = new Map(sent.map((s) => [s.transactionId, s]));
  for (const c of sink.calls()) {
    const [, configurer, recipient] = c.path.split('/');
    const mpo = c.mpo as { dipId: string; role: string | null };
    assert.equal(mpo.dipId, recipient, `call to ${c.path} for ${mpo.dipId}`);
    const role = mpo.role ?? '';
    tally.calls++;
    if (configurer !== recipient) tally.callsToDcpWebhooks++;
    assert.ok(
      configurer === recipient || rolesOf(m, configurer!, recipient!).includes(role),
      `${configurer}'s webhook got ${recipient}'s ${role} copies`,
    );
    for (const element of c.items) {
      if (c.kind === 'status') {
        const s = bySeq.get((element as StandardResponseItem).transactionID!)!;
        assert.ok(
          s.senderId === recipient && s.senderRole === role,
          `status about ${s.transactionId} sent to ${recipient} as ${role}`,
        );
      } else {
        const txn = (element as { payload: { CommonBlock: { D0: { transactionID: string } } } }).payload.CommonBlock.D0
          .transactionID;
        assert.ok(
          copies.get(bySeq.get(txn)!.seq)!.some((x) => x.recipientId === recipient && x.role === role),
          `${txn} was never addressed to ${recipient} as ${role}`,
        );
      }
    }
  }

  // Seen: replay, delivery status and audit, for random callers and participants.
  for (const { caller, recipient, n } of m.pairs) {
    const roles = rolesOf(m, caller, recipient);
    const replay = await call(t, caller, 'POST', `/dip-channel/IF-021/replay/${recipient}`, REQUEST);
    if (roles.length === 0) assert.equal(replay.status, 403, `${caller} replaying ${recipient}`);
    else {
      assert.equal(replay.status, 200, replay.text);
      const got = (JSON.parse(replay.text) as { replay: { transactionID: string; originalTransactionID: string } }[])
        .map((x) => `${x.replay.originalTransactionID}/${x.replay.transactionID.split('-')[4]}`)
        .sort();
      const expected = sent
        .flatMap((s) =>
          copies
            .get(s.seq)!
            .filter((c) => c.recipientId === recipient && roles.includes(c.role!))
            .map((c) => `${s.transactionId}/${c.role}`),
        )
        .sort();
      assert.deepEqual(got, expected, `${caller} replaying ${recipient} in ${roles.join(',')}`);
      if (caller !== recipient) tally.dcpReplays++;
    }
    const msg = pick(sent, n);
    const journal = await call(
      t,
      caller,
      'GET',
      `/dip-channel/IF-021/deliveryStatus/${recipient}/${msg.senderUniqueReference}`,
    );
    const received = copies.get(msg.seq)!.some((c) => c.recipientId === recipient && roles.includes(c.role!));
    const sentIt = msg.senderId === recipient && roles.includes(msg.senderRole);
    assert.equal(
      journal.status,
      roles.length === 0 ? 403 : sentIt || received ? 200 : 204,
      `${caller} reading ${recipient}'s journal of ${msg.transactionId}`,
    );
    if (caller !== recipient && journal.status === 200) tally.dcpJournals++;
  }
  for (const caller of new Set(m.pairs.map((x) => x.caller))) {
    const r = await call(t, caller, 'GET', '/audit/messages?limit=1000');
    const got = (JSON.parse(r.text) as { messages: { transactionID: string }[] }).messages
      .map((x) => x.transactionID)
      .sort();
    const visible = sent.filter(
      (s) =>
        s.callerId === caller ||
        rolesOf(m, caller, s.senderId).includes(s.senderRole) ||
        copies.get(s.seq)!.some((c) => rolesOf(m, caller, c.recipientId).includes(c.role!)),
    );
    assert.deepEqual(got, visible.map((s) => s.transactionId).sort(), `${caller}'s audit search`);
    const portal = await portalSession(t, caller);
    assert.deepEqual(
      [...(await portal('/portal/messages?limit=1000')).text.matchAll(/href="\/portal\/messages\/([^"]+)"/g)]
        .map((x) => decodeURIComponent(x[1]!))
        .sort(),
      visible.map((s) => s.transactionId).sort(),
      `${caller}'s portal search`,
    );
    for (const s of sent.slice(0, 3)) {
      const record = await call(t, caller, 'GET', `/audit/messages/${s.transactionId}`);
      assert.equal(
        record.status,
        visible.includes(s) ? 200 : 204,
        `${caller} reading the record of ${s.transactionId}`,
      );
      const page = await portal(`/portal/messages/${s.transactionId}`);
      assert.equal(page.status, visible.includes(s) ? 200 : 404, `${caller} opening ${s.transactionId} in the portal`);
      // The payload as sent is shown to whoever sees the message as its sender only.
      const asSender = s.callerId === caller || rolesOf(m, caller, s.senderId).includes(s.senderRole);
      if (page.status === 200) assert.equal(page.text.includes('aria-label="Payload"'), asSender, caller);
    }
    const calls = JSON.parse((await call(t, caller, 'GET', '/audit/calls?limit=1000')).text) as {
      calls: { callerId: string }[];
    };
    assert.deepEqual(
      calls.calls.filter((c) => c.callerId !== caller),
      [],
      `${caller} lists its own calls only`,
    );
  }

  // Who serves an MPAN: told only to a caller serving it now (itself, or the DCP its supplier or distributor
  // assigned that role); anyone else gets what an MPAN nobody serves gets. The first MPAN's supplier and its
  // DCP always ask, so both ways of serving are exercised.
  const askers = new Set([...m.pairs.map((x) => x.caller), IDS[1]!, m.grants.get(`${IDS[1]}|SUP`)!]);
  for (const caller of askers) {
    for (const mpan of MPANS) {
      const a = m.appointments.find((x) => x.mpan === mpan);
      const serving = (p: string, role: Role) => p === caller || rolesOf(m, caller, p).includes(role);
      const serves = a !== undefined && (serving(a.sup, 'SUP') || serving(a.ldso, 'LDSO'));
      const r = await call(t, caller, 'GET', `/mpans/${mpan}/appointments`);
      assert.equal(r.status, serves ? 200 : 204, `${caller} asking who serves ${mpan}: ${r.text}`);
      if (!serves) {
        assert.equal(r.text, '', 'a refusal tells nothing');
        continue;
      }
      const services = (JSON.parse(r.text) as { services: Record<string, { participantId: string } | null> }).services;
      assert.deepEqual([services.SUP?.participantId, services.LDSO?.participantId], [a.sup, a.ldso]);
      if (a.sup !== caller && a.ldso !== caller) tally.dcpMpanReads++;
      else tally.mpanReads++;
    }
  }

  // Status messages replayed: only those about messages the recipient sent in a role the caller acts in.
  const statuses = new Map(
    await Promise.all(sent.map(async (s) => [s.seq, await t.dip.store.statusMessagesOf(s.seq)] as const)),
  );
  const window = { datetimeFrom: '2000-01-01T00:00:00+00:00', datetimeTo: '2100-01-01T00:00:00+00:00' };
  for (const { caller, recipient } of m.pairs.slice(0, 12)) {
    const roles = rolesOf(m, caller, recipient);
    const r = await call(t, caller, 'POST', `/statusmessage/replay/${recipient}`, window);
    if (roles.length === 0) {
      assert.equal(r.status, 403, `${caller} replaying ${recipient}'s status messages`);
      continue;
    }
    const got = (JSON.parse(r.text) as StandardResponseItem[]).map((x) => x.transactionID).sort();
    const expected = sent
      .flatMap((s) =>
        statuses
          .get(s.seq)!
          .filter((x) => x.recipientId === recipient && roles.includes(x.role))
          .map(() => s.transactionId),
      )
      .sort();
    assert.deepEqual(got, expected, `${caller} replaying ${recipient}'s status messages in ${roles.join(',')}`);
  }

  // Test calls from the portal: a caller reaches its own channel-wide webhook only, named as itself; its
  // portal replay returns exactly the copies it was sent.
  for (const caller of new Set(m.pairs.map((x) => x.caller))) {
    const replayed = await (await portalSession(t, caller))('/portal/replay', { channel: 'IF-021', format: 'json' });
    assert.equal(replayed.status, 200, replayed.text);
    assert.deepEqual(
      (JSON.parse(replayed.text) as { replay: { originalTransactionID: string } }[])
        .map((x) => x.replay.originalTransactionID)
        .sort(),
      sent
        .flatMap((s) =>
          copies
            .get(s.seq)!
            .filter((c) => c.recipientId === caller)
            .map(() => s.transactionId),
        )
        .sort(),
      `${caller}'s portal replay`,
    );
    const own = (await t.dip.store.webhooks(caller, 'IF-021')).find((w) => w.role === '');
    const before = sink.calls().length;
    const r = await (await portalSession(t, caller))('/portal/webhooks/test', { channel: 'IF-021', role: '' });
    assert.equal(r.status, own ? 200 : 404, `${caller} testing its IF-021 webhook`);
    const made = sink.calls().slice(before);
    assert.deepEqual(
      made.map((c) => [c.path, (c.mpo as { dipId: string }).dipId]),
      own ? [[new URL(own.callbackUrl).pathname, caller]] : [],
      `${caller}'s test call went to its own webhook only`,
    );
    tally.portalCalls++;
  }

  // Deleted: a caller removes only the webhooks of the roles it acts in, and a stranger nothing.
  for (const { caller, recipient } of m.pairs.slice(0, 10)) {
    const roles = rolesOf(m, caller, recipient);
    const before = await t.dip.store.webhooks(recipient, 'IF-021');
    const r = await call(t, caller, 'DELETE', `/dip-channel/IF-021/pubconfig/${recipient}`);
    assert.equal(r.status, roles.length === 0 ? 403 : 204, `${caller} deleting ${recipient}'s webhooks`);
    const removed = caller === recipient ? [''] : roles;
    assert.deepEqual(
      await t.dip.store.webhooks(recipient, 'IF-021'),
      r.status === 204 ? before.filter((w) => !removed.includes(w.role)) : before,
    );
  }

  // A workflow: the supplier asks a data service (IF-027, a new correlation id), which answers (IF-028). Its
  // portal view shows each caller the messages it may see, each with only the copies it may see.
  const [supplier, service] = [IDS[1]!, m.traffic[0]!.sender];
  const ask = t.message({
    channel: 'IF-027',
    sender: supplier,
    role: 'SUP',
    mpan: MPANS[0]!,
    primaryRecipients: [service],
  });
  const asked = await t.send({ as: supplier, channel: 'IF-027', body: [ask], apiKey: null });
  assert.equal(asked.status, 201, asked.text);
  const correlationId = asked.json.messageArray[0]!.correlationID!;
  const answer = t.message({
    channel: 'IF-028',
    sender: service,
    role: 'SDS',
    mpan: MPANS[0]!,
    primaryRecipients: [supplier],
    correlationId,
  });
  const answered = await t.send({ as: service, channel: 'IF-028', body: [answer], apiKey: null });
  assert.equal(answered.status, 201, answered.text);
  const workflow = await Promise.all(
    [asked, answered].map(async (r) => {
      const msg = (await t.dip.store.messageBySeq(sequenceOfTransactionId(r.json.messageArray[0]!.transactionID!)!))!;
      return { msg, copies: await t.dip.store.deliveriesOf(msg.seq) };
    }),
  );
  for (const caller of new Set([...m.pairs.map((x) => x.caller), supplier, service, ...m.grants.values()])) {
    const asSender = (x: ArchivedMessage) =>
      x.callerId === caller || rolesOf(m, caller, x.senderId).includes(x.senderRole);
    const mayCopy = (c: { recipientId: string; role: string | null }) =>
      rolesOf(m, caller, c.recipientId).includes(c.role!);
    const expected = workflow
      .filter(({ msg, copies }) => asSender(msg) || copies.some(mayCopy))
      .flatMap(({ msg, copies }) => [
        msg.transactionId,
        ...copies.filter((c) => asSender(msg) || mayCopy(c)).map((c) => `to ${c.recipientId} as ${c.role}`),
      ]);
    const page = await (await portalSession(t, caller))(`/portal/workflows/${encodeURIComponent(correlationId)}`);
    assert.equal(page.status, 200);
    const shown = [...page.text.matchAll(/href="\/portal\/messages\/([^"]+)"|<li>(to \S+ as \S+):/g)].map((x) =>
      x[1] ? decodeURIComponent(x[1]) : x[2]!,
    );
    assert.deepEqual(shown, expected, `${caller}'s view of workflow ${correlationId}`);
    tally.portalCalls++;
  }
}

/** Runs the property on fresh DIPs, one per generated market, each on a fresh store of the backend. */
function isolation(backend: string, database: () => Promise<string | undefined>): void {
  test(
    `no caller sees, replays, configures or is sent what it is not entitled to: random markets on ${backend}`,
    { timeout: 240_000 },
    async (ctx) => {
      const seed = Number(process.env.OPENDIP_PROPERTY_SEED ?? Date.now() % 1_000_000);
      const tally: Tally = {
        calls: 0,
        callsToDcpWebhooks: 0,
        refused: 0,
        dcpReplays: 0,
        dcpJournals: 0,
        mpanReads: 0,
        dcpMpanReads: 0,
        portalCalls: 0,
      };
      await fc.assert(
        fc.asyncProperty(marketArb, async (market) => {
          const url = await database();
          const t = await startTestDip({ flags: { batchLingerMs: '0', ...(url ? { database: url } : {}) } });
          const sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
          try {
            await run(t, sink, market, tally);
          } finally {
            await sink.close();
            await t.close();
          }
        }),
        { numRuns: 3, seed, endOnFailure: true, verbose: 1, plugins: [fc.interruptAfterTimeLimit(180_000)] },
      );
      ctx.diagnostic(`seed ${seed} (OPENDIP_PROPERTY_SEED replays it): ${JSON.stringify(tally)}`);
      assert.ok(
        tally.calls > 0 &&
          tally.callsToDcpWebhooks > 0 &&
          tally.dcpReplays > 0 &&
          tally.mpanReads > 0 &&
          tally.dcpMpanReads > 0 &&
          tally.portalCalls > 0,
        'DCPs configured, received and replayed; MPANs were read by their servers and their DCPs; portal calls were listed',
      );
    },
  );
}

describe('tenant isolation', () => {
  isolation('sqlite', async () => undefined);
});

const unavailable = await postgresUnavailable();
describe('tenant isolation: postgres', { skip: unavailable ?? false }, () => {
  after(dropSchemas);
  isolation('postgres', freshSchemaUrl);
});
