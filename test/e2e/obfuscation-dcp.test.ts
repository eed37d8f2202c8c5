/**
 * Obfuscation (seed §4.3.2): a recipient role the rules withhold fields from gets a copy with those fields
 * replaced and still valid against its schema, while other recipients and the archive keep the original.
 * DIP Connection Providers: a DCP configures webhooks and reads delivery status for the participants it
 * acts for, and for no one else; their messages reach its webhook still addressed to them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deref, type JsonObject } from '../../src/catalogue/catalogue.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { leafFor } from '../../src/catalogue/messages.js';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import { checkPayload } from '../../src/validation/message.js';
import { createSchemaRegistry } from '../../src/validation/schemas.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { portalClient } from '../helpers/portal.js';
import { until } from '../helpers/until.js';
import {
  ID,
  PARTICIPANTS,
  RULES,
  arrivals,
  copiesOf,
  effectiveRule,
  freshMpan,
  getAt,
  holders,
  rolesOf,
  sendOne,
  type Arrival,
  type Json,
  type Sent,
} from './routing-support.js';

const catalogue = loadCatalogue();
const schemas = createSchemaRegistry(catalogue);
let t: TestDip;
let sink: Sink;
let version: string;

const unescapeHtml = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** Every channel and event with an obfuscation rule, with the rule. */
const obfuscated = Object.keys(RULES).flatMap((channel) =>
  (catalogue.eventsByChannel.get(channel) ?? [])
    .map((eventCode) => ({ channel, eventCode, rules: effectiveRule(channel, eventCode).obfuscation }))
    .filter((c) => Object.keys(c.rules).length > 0),
);

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  version = new URL(t.dip.baseUrl).pathname.replace(/^\/+/, '');
  for (const p of PARTICIPANTS) {
    if (p.roles.includes('DCP')) continue;
    for (const channel of new Set(obfuscated.map((c) => c.channel))) {
      const r = await t.subscribe(p.dipId, channel, `${sink.url}/${p.dipId}/${channel}`);
      assert.equal(r.status, 201, r.text);
    }
  }
});
after(async () => {
  await t.close();
  await sink.close();
});

async function arrange(mpan: string, supplier: string = ID.SUP1): Promise<void> {
  for (const [service, id] of [
    ['SUP', supplier],
    ['MS', ID.MSS],
    ['DS', ID.SDS_ADS],
    ['MDR', ID.MDR],
    ['REGS', ID.REGS],
  ] as const) {
    await t.appoint(mpan, service, id);
  }
}

/** Waits until every copy the DIP made of the message has reached the sink. */
async function allArrived(sent: Sent): Promise<Arrival[]> {
  const copies = await copiesOf(t, sent.seq);
  assert.ok(copies.length > 0, 'the message has recipients');
  await sink.waitFor(() => arrivals(sink, sent.transactionId).length >= copies.length);
  return arrivals(sink, sent.transactionId);
}

/** The schema of the field a pointer names in a channel's message, looking through arrays. */
function fieldSchema(channel: string, eventCode: string, pointer: string): JsonObject {
  const leaf = leafFor(catalogue, channel, eventCode);
  const doc = catalogue.documents[leaf.document]!;
  let node = deref(doc, doc.components.schemas[leaf.schemaName]);
  for (const key of pointer.slice(1).split('/')) {
    while (node.type === 'array') node = deref(doc, node.items);
    node = deref(doc, (node.properties as JsonObject)[key]);
  }
  return node;
}

/** The payload without D0, A0 and the given fields: what must pass through a copy unchanged. */
function without(payload: Json, pointers: string[]): Json {
  const copy = structuredClone(payload) as { CommonBlock: Json };
  delete copy.CommonBlock.A0;
  delete copy.CommonBlock.D0;
  for (const p of pointers) {
    const parent = getAt(copy, p.slice(0, p.lastIndexOf('/'))) as Json | undefined;
    if (parent && typeof parent === 'object') delete parent[p.slice(p.lastIndexOf('/') + 1)];
  }
  return copy;
}

/** [pointer, value] of every string under `value`, stepping into arrays element by element. */
function strings(value: unknown, pointer: string): [string, string][] {
  if (typeof value === 'string') return [[pointer, value]];
  if (Array.isArray(value)) return value.flatMap((v) => strings(v, pointer));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => strings(v, `${pointer}/${k}`));
  return [];
}

describe('obfuscation', () => {
  test("IF-001: MDS and LSS get the metering point address as x's; the supplier and the archive keep it", async () => {
    const mpan = freshMpan();
    await arrange(mpan);
    const { payload } = t.message({
      channel: 'IF-001',
      eventCode: '[ChangeOfSupplier]',
      sender: ID.REGS,
      role: 'REGS',
      mpan,
      distributor: ID.LDSO,
      primaryRecipients: [ID.SUP2],
    });
    const address = structuredClone(getAt(payload, '/CustomBlock/B022')) as Record<string, string>;
    assert.ok(Object.keys(address).length > 0);
    const sent = await sendOne(t, ID.REGS, 'IF-001', payload);
    const got = await allArrived(sent);
    const at = (dipId: string): Arrival['payload'] => got.find((a) => a.path === `/${dipId}/IF-001`)!.payload;

    for (const hidden of [ID.MDS, ID.LSS]) {
      const copy = at(hidden);
      const b022 = copy.CustomBlock.B022 as Record<string, string>;
      assert.deepEqual(
        Object.keys(b022).sort(),
        Object.keys(address).sort(),
        'the fields are kept, their values replaced',
      );
      for (const [field, value] of Object.entries(b022)) {
        const max = fieldSchema('IF-001', '[ChangeOfSupplier]', `/CustomBlock/B022/${field}`).maxLength as number;
        assert.equal(value, 'x'.repeat(max), `${hidden} sees B022.${field} as x to its maximum length`);
      }
      assert.equal(
        checkPayload(catalogue, schemas, 'IF-001', copy).kind,
        'ok',
        `${hidden}'s copy is valid against IF-001`,
      );
      assert.deepEqual(
        without(copy, ['/CustomBlock/B022']),
        without(payload, ['/CustomBlock/B022']),
        'nothing else changes',
      );
    }
    assert.deepEqual(at(ID.SUP2).CustomBlock.B022, address, 'the supplier sees the address');
    assert.deepEqual(at(ID.LDSO).CustomBlock.B022, address, 'the distributor sees the address');
    const archived = await t.dip.store.messageByReference(sent.sur);
    assert.deepEqual(
      (JSON.parse(archived!.payload.toString('utf8')) as { CustomBlock: Json }).CustomBlock.B022,
      address,
      'the archive keeps the original',
    );

    // The portal's message page shows each viewer the payload as its role was sent it, byte for byte what
    // its webhook took; the original only to the sender.
    const portal = portalClient(t);
    const shown = (text: string, role: string): unknown => {
      const pre = new RegExp(
        `<pre aria-label="Payload as delivered to (?:\\w+, )*${role}(?:, \\w+)*">([^<]*)</pre>`,
      ).exec(text);
      return pre ? JSON.parse(unescapeHtml(pre[1]!)) : undefined;
    };
    const mds = await portal.call(
      'GET',
      `/portal/messages/${sent.transactionId}`,
      (await portal.signIn(ID.MDS)).cookie,
    );
    assert.equal(mds.status, 200);
    assert.deepEqual(shown(mds.text, 'MDS'), at(ID.MDS), 'the MDS sees what its webhook got');
    assert.equal(shown(mds.text, 'SUP'), undefined, 'and no other role’s copy');
    assert.ok(!mds.text.includes(Object.values(address)[0]!), 'nor the address anywhere on the page');
    assert.doesNotMatch(mds.text, /aria-label="Payload"/);
    const regs = await portal.call(
      'GET',
      `/portal/messages/${sent.transactionId}`,
      (await portal.signIn(ID.REGS)).cookie,
    );
    assert.deepEqual(shown(regs.text, 'MDS'), at(ID.MDS), 'the sender sees each role’s copy');
    assert.deepEqual(shown(regs.text, 'SUP'), at(ID.SUP2));
    assert.match(regs.text, /aria-label="Payload"/);
    assert.match(regs.text, new RegExp(`<td>${ID.MDS}</td>\\s*<td>MDS</td>\\s*<td>delivered</td>\\s*<td>1</td>`));
  });

  for (const { channel, eventCode, rules } of obfuscated) {
    test(`${channel} ${eventCode}: each role's copy hides exactly its fields and stays valid`, async () => {
      const rule = effectiveRule(channel, eventCode);
      const role = rule.senders[0]!;
      const sender = holders(role)[0]!;
      const named = [
        ...new Set(rule.recipients.primary.map((r) => holders(r).find((id) => id !== sender) ?? holders(r)[0]!)),
      ];
      const mpan = freshMpan();
      await arrange(mpan);
      const { payload } = t.message({
        channel,
        eventCode,
        sender,
        role,
        mpan,
        distributor: ID.LDSO,
        ...(named.length > 0 ? { primaryRecipients: named } : {}),
      });
      const sent = await sendOne(t, sender, channel, payload);
      let hiddenCopies = 0;
      for (const a of await allArrived(sent)) {
        const dipId = a.path.split('/')[1]!;
        const pointers = rolesOf(dipId).flatMap((r) => rules[r] ?? []);
        assert.equal(checkPayload(catalogue, schemas, channel, a.payload).kind, 'ok', `${dipId}'s copy is valid`);
        assert.deepEqual(
          without(a.payload, pointers),
          without(payload, pointers),
          `${dipId}'s copy differs only where its role is denied`,
        );
        for (const pointer of pointers) {
          if (getAt(payload, pointer) === undefined) continue;
          hiddenCopies++;
          for (const [where, value] of strings(getAt(a.payload, pointer), pointer)) {
            const allowed = fieldSchema(channel, eventCode, where).enum as unknown[] | undefined;
            // Where the schema allows only listed values, the placeholder is one of them.
            if (allowed) assert.ok(allowed.includes(value), `${where} = ${value}`);
            else
              assert.match(value, /^(x+|1900-01-01(T00:00:00\+00:00)?|9999999999)$/, `${dipId} sees ${where} replaced`);
          }
        }
      }
      assert.ok(hiddenCopies > 0, 'at least one recipient had fields withheld');
      const archived = await t.dip.store.messageByReference(sent.sur);
      assert.deepEqual(
        without(JSON.parse(archived!.payload.toString('utf8')) as Json, []),
        without(payload, []),
        'the archive keeps the original',
      );
    });
  }
});

describe('DIP Connection Providers', () => {
  const dcpHook = () => `${sink.url}/dcp/${ID.DCP}/IF-021`;
  let sent: Sent;

  test("the DCP registers the webhook of a supplier it acts for; the supplier's messages arrive there addressed to the supplier", async () => {
    const r = await t.subscribe(ID.DCP, 'IF-021', dcpHook(), { recipient: ID.SUP2 });
    assert.equal(r.status, 201, r.text);
    const mpan = freshMpan();
    await arrange(mpan, ID.SUP2);
    const { payload } = t.message({
      channel: 'IF-021',
      eventCode: '[ActivePower]',
      sender: ID.ADS,
      role: 'ADS',
      mpan,
      distributor: ID.LDSO,
    });
    sent = await sendOne(t, ID.ADS, 'IF-021', payload, 'socket');
    await sink.waitFor(() => arrivals(sink, sent.transactionId).length > 0);
    const got = arrivals(sink, sent.transactionId);
    assert.equal(got.length, 1, 'only the supplier has an IF-021 webhook here');
    const [a] = got;
    assert.equal(a!.path, `/dcp/${ID.DCP}/IF-021`);
    assert.equal(a!.mpo?.dipId, ID.SUP2, 'X-DIP-MPO names the logical recipient, not the DCP');
    assert.equal(a!.mpo?.role, 'SUP');
    assert.ok(
      (a!.payload.CommonBlock.A0 as { secondaryRecipients: string[] }).secondaryRecipients.includes(ID.SUP2),
      'A0 names the supplier',
    );
    assert.ok(!(a!.payload.CommonBlock.A0 as { secondaryRecipients: string[] }).secondaryRecipients.includes(ID.DCP));
  });

  test('the DCP may configure webhooks only for those it acts for; a participant only its own', async () => {
    assert.equal(
      (await t.subscribe(ID.DCP, 'IF-021', dcpHook(), { recipient: ID.MSA })).status,
      201,
      'the DCP acts for the advanced metering service too',
    );
    assert.equal((await t.subscribe(ID.DCP, 'IF-021', dcpHook(), { recipient: ID.SUP1 })).status, 403);
    assert.equal((await t.subscribe(ID.DCP, 'STATUS', dcpHook(), { recipient: ID.SUP1 })).status, 403);
    assert.equal(
      (await t.subscribe(ID.SUP1, 'IF-021', `${sink.url}/${ID.SUP1}/IF-021`, { recipient: ID.SUP2 })).status,
      403,
    );
  });

  test("the DCP reads the delivery status of a message addressed to a participant it acts for, and of no one else's", async () => {
    const path = (recipient: string) => `/${version}/dip-channel/IF-021/deliveryStatus/${recipient}/${sent.sur}`;
    let reply = await t.send({ as: ID.DCP, method: 'GET', channel: 'IF-021', body: undefined, path: path(ID.SUP2) });
    await until(async () => {
      if (reply.text.includes('"Delivered"')) return true;
      reply = await t.send({ as: ID.DCP, method: 'GET', channel: 'IF-021', body: undefined, path: path(ID.SUP2) });
      return false;
    }, `the journal of ${sent.transactionId} showing it delivered`);
    assert.equal(reply.status, 200, reply.text);
    const record = JSON.parse(reply.text) as {
      DIPTransactionID: string;
      JournalEntries: { DIPStage: string; Status: string; Recipient?: string }[];
    };
    assert.equal(record.DIPTransactionID, sent.transactionId);
    assert.ok(
      record.JournalEntries.some(
        (e) => e.DIPStage === 'Outbound' && e.Status === 'Delivered' && e.Recipient === ID.SUP2,
      ),
      reply.text,
    );
    assert.ok(
      !record.JournalEntries.some((e) => e.DIPStage === 'Outbound' && e.Recipient !== ID.SUP2),
      "only the supplier's own copies are shown",
    );

    const refused = await t.send({
      as: ID.DCP,
      method: 'GET',
      channel: 'IF-021',
      body: undefined,
      path: path(ID.SUP1),
    });
    assert.equal(refused.status, 403, refused.text);
    const other = await t.send({ as: ID.SUP1, method: 'GET', channel: 'IF-021', body: undefined, path: path(ID.SUP2) });
    assert.equal(other.status, 403, "a participant may not read another's delivery status");
  });
});
