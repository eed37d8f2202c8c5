/**
 * Addressing (seed §4.3.1), channel by channel: who gets a copy of each message and who does not.
 * The generated part reads the rules file itself and compares the DIP's copies with its own reading; the
 * hand-written part states the recipients of eight channels literally and follows them to real webhooks.
 * Then the addressing errors a sender hears about asynchronously, and the registry changes that
 * registration messages make to later routing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadCatalogue } from '../../src/catalogue/load.js';
import type { Service } from '../../src/domain/appointments.js';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import { checkPayload } from '../../src/validation/message.js';
import { createSchemaRegistry } from '../../src/validation/schemas.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { until } from '../helpers/until.js';
import {
  ID,
  PARTICIPANTS,
  RULES,
  arrivals,
  copiesOf,
  copy,
  effectiveRule,
  expectedCopies,
  freshMpan,
  holders,
  sendOne,
  servingAfter,
  setAt,
  statusesAt,
  type EffectiveRule,
  type Json,
  type Sent,
  type Serving,
} from './routing-support.js';

// Appointments take effect before ends, so an end dated later can close one made by an earlier message.
const FROM = '2024-06-01T00:00:00+00:00';
const TO = '2025-01-01T00:00:00+00:00';
const ARRANGED: Serving = { SUP: ID.SUP1, MS: ID.MSS, DS: ID.SDS_ADS, MDR: ID.MDR, REGS: ID.REGS };
// Someone other than the arranged service, so that a registration message's own change shows in its routing.
const INCOMING: Serving = { SUP: ID.SUP2, MS: ID.MSA, DS: ID.ADS, MDR: ID.MDR };

const catalogue = loadCatalogue();
let t: TestDip;
let sink: Sink;
before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
});
after(async () => {
  await t.close();
  await sink.close();
});

async function arrange(mpan: string, serving: Serving = ARRANGED): Promise<void> {
  for (const [service, id] of Object.entries(serving)) await t.appoint(mpan, service as Service, id!);
}

const build = (
  channel: string,
  eventCode: string,
  sender: string,
  role: string,
  mpan: string,
  named?: string[],
): Json =>
  t.message({
    channel,
    eventCode,
    sender,
    role,
    mpan,
    distributor: ID.LDSO,
    ...(named ? { primaryRecipients: named } : {}),
  }).payload;

interface GeneratedCase {
  channel: string;
  eventCode: string;
  rule: EffectiveRule;
}

/** One case per channel and per event code whose senders, recipients or registry updates differ from an earlier event's. */
const generated: GeneratedCase[] = [];
const unsendable: string[] = [];
for (const channel of Object.keys(RULES)) {
  const seen = new Set<string>();
  for (const eventCode of catalogue.eventsByChannel.get(channel) ?? []) {
    const rule = effectiveRule(channel, eventCode);
    const key = JSON.stringify([rule.senders, rule.recipients, rule.updates]);
    if (seen.has(key)) continue;
    seen.add(key);
    if (rule.senders.length === 0) unsendable.push(`${channel} ${eventCode}`);
    else generated.push({ channel, eventCode, rule });
  }
}

describe('every channel: the copies the DIP makes are exactly those the rules file entitles', () => {
  test('57 channels are sendable; IF-016 is sent only by the DIP', () => {
    assert.equal(Object.keys(RULES).length, 58);
    assert.equal(new Set(generated.map((c) => c.channel)).size, 57);
    assert.ok(unsendable.length > 0 && unsendable.every((c) => c.startsWith('IF-016 ')), unsendable.join(', '));
  });

  for (const { channel, eventCode, rule } of generated) {
    test(`${channel} ${eventCode}`, async () => {
      const senderRole = rule.senders.find((r) => holders(r).length > 0)!;
      const sender = holders(senderRole)[0]!;
      const named = [
        ...new Set(
          rule.recipients.primary.map((role) => holders(role).find((id) => id !== sender) ?? holders(role)[0]!),
        ),
      ];
      const mpan = freshMpan();
      await arrange(mpan);
      const payload = build(channel, eventCode, sender, senderRole, mpan, named.length > 0 ? named : undefined);
      for (const u of rule.updates) {
        if (u.participant.startsWith('/CustomBlock/')) {
          const who = u.action === 'appoint' ? INCOMING[u.service] : ARRANGED[u.service];
          if (!who) throw new Error(`no participant planned for ${u.action} ${u.service}`);
          setAt(payload, u.participant, who);
        }
        const date = u.action === 'appoint' ? u.from : u.to;
        if (date?.startsWith('/')) setAt(payload, date, u.action === 'appoint' ? FROM : TO);
      }
      const situation = { sender, senderRole, distributor: ID.LDSO, named, serving: ARRANGED };
      const expected = expectedCopies(rule, { ...situation, serving: servingAfter(rule, payload, situation) });

      const sent = await sendOne(t, sender, channel, payload);
      const actual = await copiesOf(t, sent.seq);
      assert.deepEqual(
        actual,
        expected,
        `${channel} ${eventCode} from ${sender}/${senderRole}: these copies and no others`,
      );
      assert.deepEqual(
        await t.dip.store.statusMessagesOf(sent.seq),
        [],
        'a fully addressable message raises no status message',
      );
    });
  }
});

const HAND_CHANNELS = ['IF-001', 'IF-005', 'IF-006', 'IF-021', 'IF-031', 'IF-036', 'IF-041', 'IF-047'];

/** Waits for the DIP to record each copy delivered: the sink acknowledges before the DIP writes down the answer. */
async function delivered(sent: Sent): Promise<void> {
  let last: unknown;
  await until(
    async () => {
      const copies = await t.dip.store.deliveriesOf(sent.seq);
      last = copies;
      return copies.every((d) => d.state === 'delivered');
    },
    () => `copies of ${sent.transactionId} all delivered: ${JSON.stringify(last)}`,
  );
}

describe('hand-written cases, delivered to real webhooks', () => {
  before(async () => {
    for (const p of PARTICIPANTS) {
      if (p.roles.includes('DCP')) continue;
      for (const channel of [...HAND_CHANNELS, 'STATUS']) {
        const r = await t.subscribe(p.dipId, channel, `${sink.url}/${p.dipId}/${channel}`);
        assert.equal(r.status, 201, r.text);
      }
    }
  });

  interface Hand {
    channel: string;
    eventCode: string;
    sender: string;
    role: string;
    named?: string[];
    customise?: (p: Json) => void;
    copies: string[];
    secondary: string[];
    always: string[];
    notTo: string[];
  }
  const everyoneButIsd = [
    copy(ID.SUP1, 'SUP'),
    copy(ID.SUP2, 'SUP'),
    copy(ID.REGS, 'REGS'),
    copy(ID.SDS_ADS, 'SDS'),
    copy(ID.SDS_ADS, 'ADS'),
    copy(ID.ADS, 'ADS'),
    copy(ID.MSS, 'MSS'),
    copy(ID.MSA, 'MSA'),
    copy(ID.UMSO, 'UMSO'),
    copy(ID.UMSDS, 'UMSDS'),
    copy(ID.MDR, 'MDR'),
    copy(ID.LDSO, 'LDSO'),
    copy(ID.MDS, 'MDS'),
    copy(ID.LSS, 'LSS'),
    copy(ID.VAS, 'VAS'),
    copy(ID.EES, 'EES'),
  ];
  const hand: Hand[] = [
    {
      channel: 'IF-001',
      eventCode: '[ChangeOfSupplier]',
      sender: ID.REGS,
      role: 'REGS',
      named: [ID.SUP2],
      customise: (p) => {
        setAt(p, '/CustomBlock/B002/incomingSupplierDIPID', ID.SUP2);
        setAt(p, '/CustomBlock/B002/supplierEffectiveFromDate', FROM);
        setAt(p, '/CustomBlock/B003/outgoingSupplierDIPID', ID.SUP1);
        setAt(p, '/CustomBlock/B003/supplierEffectiveToDate', TO);
      },
      copies: [copy(ID.SUP2, 'SUP'), copy(ID.LDSO, 'LDSO'), copy(ID.MDS, 'MDS'), copy(ID.LSS, 'LSS')],
      secondary: [ID.LDSO],
      always: [ID.MDS, ID.LSS],
      notTo: [ID.SUP1, ID.REGS, ID.EES],
    },
    {
      channel: 'IF-005',
      eventCode: '[MeterInstall]',
      sender: ID.MSS,
      role: 'MSS',
      copies: [copy(ID.REGS, 'REGS')],
      secondary: [ID.REGS],
      always: [],
      notTo: [ID.MSS, ID.SUP1, ID.LDSO],
    },
    {
      channel: 'IF-006',
      eventCode: '[MeterInstall]',
      sender: ID.REGS,
      role: 'REGS',
      copies: [
        copy(ID.SUP1, 'SUP'),
        copy(ID.MSS, 'MSS'),
        copy(ID.SDS_ADS, 'SDS'),
        copy(ID.SDS_ADS, 'ADS'),
        copy(ID.MDR, 'MDR'),
        copy(ID.LDSO, 'LDSO'),
        copy(ID.EES, 'EES'),
      ],
      secondary: [ID.SUP1, ID.MSS, ID.SDS_ADS, ID.MDR, ID.LDSO],
      always: [ID.EES],
      notTo: [ID.REGS, ID.SUP2, ID.MSA, ID.ADS, ID.MDS],
    },
    {
      channel: 'IF-021',
      eventCode: '[ActivePower]',
      sender: ID.ADS,
      role: 'ADS',
      copies: [copy(ID.SUP1, 'SUP'), copy(ID.LDSO, 'LDSO'), copy(ID.MDS, 'MDS'), copy(ID.LSS, 'LSS')],
      secondary: [ID.SUP1, ID.LDSO],
      always: [ID.MDS, ID.LSS],
      notTo: [ID.ADS, ID.SUP2, ID.SDS_ADS, ID.REGS],
    },
    {
      channel: 'IF-031',
      eventCode: '[MSApp]',
      sender: ID.SUP1,
      role: 'SUP',
      copies: [copy(ID.REGS, 'REGS')],
      secondary: [ID.REGS],
      always: [],
      notTo: [ID.SUP1, ID.MSS],
    },
    {
      channel: 'IF-036',
      eventCode: '[MSAppActive]',
      sender: ID.REGS,
      role: 'REGS',
      named: [ID.SUP1, ID.MSS, ID.SDS_ADS],
      customise: (p) => {
        setAt(p, '/CustomBlock/B014/incomingMeteringServiceDIPID', ID.MSS);
        setAt(p, '/CustomBlock/B014/incomingMeteringServiceEffectiveFromDate', FROM);
        setAt(p, '/CustomBlock/B017/incomingDataServiceDIPID', ID.SDS_ADS);
        setAt(p, '/CustomBlock/B017/incomingDataServiceEffectiveFromDate', FROM);
      },
      copies: [
        copy(ID.SUP1, 'SUP'),
        copy(ID.MSS, 'MSS'),
        copy(ID.SDS_ADS, 'SDS'),
        copy(ID.SDS_ADS, 'ADS'),
        copy(ID.LDSO, 'LDSO'),
        copy(ID.MDS, 'MDS'),
        copy(ID.LSS, 'LSS'),
        copy(ID.EES, 'EES'),
      ],
      secondary: [ID.LDSO],
      always: [ID.MDS, ID.LSS, ID.EES],
      notTo: [ID.REGS, ID.SUP2, ID.MDR],
    },
    {
      channel: 'IF-041',
      eventCode: '[ReadingRemote]',
      sender: ID.MSS,
      role: 'MSS',
      named: [ID.ADS],
      copies: [
        copy(ID.ADS, 'ADS'),
        copy(ID.SUP1, 'SUP'),
        copy(ID.SDS_ADS, 'SDS'),
        copy(ID.SDS_ADS, 'ADS'),
        copy(ID.LDSO, 'LDSO'),
      ],
      secondary: [ID.SUP1, ID.SDS_ADS, ID.LDSO],
      always: [],
      notTo: [ID.MSS, ID.SUP2, ID.REGS, ID.MDS],
    },
    {
      channel: 'IF-047',
      eventCode: '[ISD]',
      sender: ID.ISD,
      role: 'ISD',
      copies: everyoneButIsd,
      secondary: [],
      always: [...new Set(everyoneButIsd.map((c) => c.split('/')[0]!))],
      notTo: [ID.ISD, ID.DCP],
    },
  ];

  for (const h of hand) {
    test(`${h.channel} ${h.eventCode} from ${h.sender} (${h.role})`, async () => {
      const mpan = freshMpan();
      await arrange(mpan);
      const payload = build(h.channel, h.eventCode, h.sender, h.role, mpan, h.named);
      h.customise?.(payload);
      const expected = [...h.copies].sort();
      const rule = effectiveRule(h.channel, h.eventCode);
      const situation = {
        sender: h.sender,
        senderRole: h.role,
        distributor: ID.LDSO,
        named: h.named ?? [],
        serving: ARRANGED,
      };
      assert.deepEqual(
        expectedCopies(rule, { ...situation, serving: servingAfter(rule, payload, situation) }),
        expected,
        'the generated reading of the rules agrees',
      );

      const sent = await sendOne(t, h.sender, h.channel, payload, 'socket');
      assert.deepEqual(await copiesOf(t, sent.seq), expected);
      await sink.waitFor(() => arrivals(sink, sent.transactionId).length >= expected.length);
      await delivered(sent);
      const got = arrivals(sink, sent.transactionId);
      assert.deepEqual(
        got.map((a) => a.path).sort(),
        expected.map((c) => `/${c.split('/')[0]}/${h.channel}`).sort(),
        "one element per copy, on its participant's webhook, and nowhere else",
      );
      for (const id of h.notTo) assert.ok(!got.some((a) => a.path.startsWith(`/${id}/`)), `${id} gets no copy`);
      for (const a of got) {
        assert.equal(a.mpo?.dipId, a.path.split('/')[1]);
        const a0 = a.payload.CommonBlock.A0 as {
          primaryRecipients: string[];
          secondaryRecipients: string[];
          always: string[];
        };
        assert.deepEqual(a0.primaryRecipients, h.named ?? []);
        assert.deepEqual(
          [...a0.secondaryRecipients].sort(),
          [...h.secondary].sort(),
          'A0 lists the resolved secondary recipients',
        );
        assert.deepEqual([...a0.always].sort(), [...h.always].sort(), 'A0 lists the resolved always recipients');
      }
      const twoRoles = expected.filter((c) => c.startsWith(`${ID.SDS_ADS}/`));
      if (twoRoles.length === 2) {
        const theirs = got.filter((a) => a.path === `/${ID.SDS_ADS}/${h.channel}`);
        assert.equal(theirs.length, 2, `${ID.SDS_ADS} holds SDS and ADS and receives two copies`);
        assert.deepEqual(
          theirs.map((a) => a.mpo?.role).sort(),
          ['ADS', 'SDS'],
          'each copy names the role it is delivered in (X-DIP-MPO)',
        );
      }
    });
  }
});

describe('addressing errors reach the sender as status messages; what can be addressed is still delivered', () => {
  const expectStatus = async (sent: Sent, sender: string, code: string, helpMentions: RegExp): Promise<void> => {
    await sink.waitFor(() => statusesAt(sink, sender, sent.transactionId).length > 0);
    const items = statusesAt(sink, sender, sent.transactionId);
    assert.equal(items.length, 1, JSON.stringify(items));
    const item = items[0]!;
    assert.equal(item.transactionID, sent.transactionId);
    assert.match(String(item.message), new RegExp(`^${code}\\b`));
    assert.match(String(item.help), helpMentions);
  };
  const stillDelivered = async (sent: Sent, channel: string, copies: string[]): Promise<void> => {
    assert.deepEqual(await copiesOf(t, sent.seq), [...copies].sort());
    await sink.waitFor(() => arrivals(sink, sent.transactionId).length >= copies.length);
    assert.deepEqual(
      arrivals(sink, sent.transactionId)
        .map((a) => a.path)
        .sort(),
      copies.map((c) => `/${c.split('/')[0]}/${channel}`).sort(),
    );
  };
  const changeOfSupplier = async (named?: string[]): Promise<Sent> => {
    const mpan = freshMpan();
    await arrange(mpan);
    return sendOne(t, ID.REGS, 'IF-001', build('IF-001', '[ChangeOfSupplier]', ID.REGS, 'REGS', mpan, named));
  };
  const ldsoMdsLss = [copy(ID.LDSO, 'LDSO'), copy(ID.MDS, 'MDS'), copy(ID.LSS, 'LSS')];

  test('a required primary recipient left out: MSG1031', async () => {
    const sent = await changeOfSupplier();
    await expectStatus(sent, ID.REGS, 'MSG1031', /primaryRecipients must name/);
    await stillDelivered(sent, 'IF-001', ldsoMdsLss);
  });

  test('a primary recipient who is not a DIP participant: MSG1031', async () => {
    const sent = await changeOfSupplier([ID.SUP2, '1099999999']);
    await expectStatus(sent, ID.REGS, 'MSG1031', /1099999999/);
    await stillDelivered(sent, 'IF-001', [copy(ID.SUP2, 'SUP'), ...ldsoMdsLss]);
  });

  test('a primary recipient without the role: MSG1032', async () => {
    const sent = await changeOfSupplier([ID.MSS]);
    await expectStatus(sent, ID.REGS, 'MSG1032', new RegExp(ID.MSS));
    await stillDelivered(sent, 'IF-001', ldsoMdsLss);
  });

  // MSG1037 (secondary addressing with no MPAN) cannot arise from the send API: every schema of a channel with
  // secondary recipients requires M0.MPANCore (M1.principalMPAN on IF-019/IF-020), so such a message fails Level 1.
  test('no MPAN on a secondary channel is refused before routing, so MSG1037 cannot arise', () => {
    const schemas = createSchemaRegistry(catalogue);
    for (const { channel, eventCode, rule } of generated) {
      if (rule.recipients.secondary.length === 0) continue;
      const payload = build(channel, eventCode, holders(rule.senders[0]!)[0]!, rule.senders[0]!, freshMpan());
      const common = payload.CommonBlock as Record<string, Json>;
      if (common.M0) delete common.M0.MPANCore;
      if (common.M1) delete common.M1.principalMPAN;
      assert.equal(
        checkPayload(catalogue, schemas, channel, payload).kind,
        'schema',
        `${channel} ${eventCode} without an MPAN`,
      );
    }
  });

  test('an MPAN with no known supplier: MSG1038', async () => {
    const sent = await sendOne(t, ID.ADS, 'IF-021', build('IF-021', '[ActivePower]', ID.ADS, 'ADS', freshMpan()));
    await expectStatus(sent, ID.ADS, 'MSG1038', /no SUP is known/);
    await stillDelivered(sent, 'IF-021', ldsoMdsLss);
  });
});

describe('registration messages change who later messages for the MPAN reach', () => {
  const mpan = freshMpan();
  const consumption = async (): Promise<string[]> =>
    copiesOf(t, (await sendOne(t, ID.ADS, 'IF-021', build('IF-021', '[ActivePower]', ID.ADS, 'ADS', mpan))).seq);
  const meterInstall = async (): Promise<string[]> =>
    copiesOf(t, (await sendOne(t, ID.REGS, 'IF-006', build('IF-006', '[MeterInstall]', ID.REGS, 'REGS', mpan))).seq);
  const registration = async (
    channel: string,
    eventCode: string,
    named: string[],
    fields: Record<string, string>,
  ): Promise<void> => {
    const payload = build(channel, eventCode, ID.REGS, 'REGS', mpan, named);
    for (const [pointer, value] of Object.entries(fields)) setAt(payload, pointer, value);
    await sendOne(t, ID.REGS, channel, payload);
  };
  const serviceCopies = (copies: string[]): string[] => copies.filter((c) => /\/(MSS|MSA|UMSO|SDS|ADS|UMSDS)$/.test(c));

  before(() => arrange(mpan));

  test('IF-001 change of supplier: the next IF-021 goes to the incoming supplier, not the outgoing one', async () => {
    assert.ok((await consumption()).includes(copy(ID.SUP1, 'SUP')));
    await registration('IF-001', '[ChangeOfSupplier]', [ID.SUP2], {
      '/CustomBlock/B002/incomingSupplierDIPID': ID.SUP2,
      '/CustomBlock/B002/supplierEffectiveFromDate': FROM,
      '/CustomBlock/B003/outgoingSupplierDIPID': ID.SUP1,
      '/CustomBlock/B003/supplierEffectiveToDate': TO,
    });
    const after = await consumption();
    assert.ok(after.includes(copy(ID.SUP2, 'SUP')), after.join(' '));
    assert.ok(!after.includes(copy(ID.SUP1, 'SUP')), after.join(' '));
  });

  test('IF-036 appointments and IF-037 de-appointments change who receives the MS and DS copies', async () => {
    assert.deepEqual(
      serviceCopies(await meterInstall()),
      [copy(ID.SDS_ADS, 'ADS'), copy(ID.MSS, 'MSS'), copy(ID.SDS_ADS, 'SDS')].sort(),
    );
    await registration('IF-036', '[MSAppActive]', [ID.MSA, ID.ADS], {
      '/CustomBlock/B014/incomingMeteringServiceDIPID': ID.MSA,
      '/CustomBlock/B014/incomingMeteringServiceEffectiveFromDate': FROM,
      '/CustomBlock/B017/incomingDataServiceDIPID': ID.ADS,
      '/CustomBlock/B017/incomingDataServiceEffectiveFromDate': FROM,
    });
    assert.deepEqual(serviceCopies(await meterInstall()), [copy(ID.ADS, 'ADS'), copy(ID.MSA, 'MSA')]);

    // The incoming metering service starts only in 2099, so until then nobody receives as the MPAN's MS.
    await registration('IF-037', '[MSDeApp]', [ID.MSA], {
      '/CustomBlock/B008/deAppointedMeteringServiceDIPID': ID.MSA,
      '/CustomBlock/B008/meteringServiceEffectiveToDate': TO,
      '/CustomBlock/B010/incomingMeteringServiceDIPID': ID.MSS,
      '/CustomBlock/B010/incomingMeteringServiceEffectiveFromDate': '2099-01-01T00:00:00+00:00',
      '/CustomBlock/B002/incomingSupplierDIPID': ID.SUP2,
      '/CustomBlock/B002/supplierEffectiveFromDate': FROM,
    });
    assert.deepEqual(serviceCopies(await meterInstall()), [copy(ID.ADS, 'ADS')]);

    await registration('IF-037', '[DSDeApp]', [ID.ADS], {
      '/CustomBlock/B009/deAppointedDataServiceDIPID': ID.ADS,
      '/CustomBlock/B009/dataServiceEffectiveToDate': TO,
      '/CustomBlock/B011/incomingDataServiceDIPID': ID.SDS_ADS,
      '/CustomBlock/B011/incomingDataServiceEffectiveFromDate': TO,
      '/CustomBlock/B002/incomingSupplierDIPID': ID.SUP2,
      '/CustomBlock/B002/supplierEffectiveFromDate': FROM,
    });
    assert.deepEqual(serviceCopies(await meterInstall()), [copy(ID.SDS_ADS, 'ADS'), copy(ID.SDS_ADS, 'SDS')]);
  });
});
