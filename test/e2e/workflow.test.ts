/**
 * The seed's worked example (§5.4) over real sockets: a metering service sends IF-005; the DIP creates a
 * correlation id; the Registration Service receives PUB-005 on its webhook and replies IF-006 with that id;
 * the metering service receives PUB-006 carrying the same id. Every copy is signed by the DIP and valid
 * against its schema.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import { checkPayload } from '../../src/validation/message.js';
import { createSchemaRegistry } from '../../src/validation/schemas.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { portalClient } from '../helpers/portal.js';

const MSS = '1300000001';
const REGS = '1100000001';
const SUP = '1000000001';
const LDSO = '1600000001';
const MPAN = '1900000000013';

let t: TestDip;
let sink: Sink;
/** The correlation id the first test's IF-005 was given. */
let workflow = '';
before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  await t.appoint(MPAN, 'REGS', REGS);
  await t.appoint(MPAN, 'SUP', SUP);
  await t.appoint(MPAN, 'MS', MSS);
  for (const [who, channel] of [
    [REGS, 'IF-005'],
    [MSS, 'IF-006'],
    [SUP, 'IF-006'],
    [LDSO, 'IF-006'],
    [MSS, 'STATUS'],
    [REGS, 'STATUS'],
  ] as const) {
    const r = await t.subscribe(who, channel, `${sink.url}/${who}/${channel}`);
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => {
  await t.close();
  await sink.close();
});

const payloadsFor = (who: string, channel: string): Record<string, Record<string, Record<string, unknown>>>[] =>
  sink
    .calls()
    .filter((c) => c.path === `/${who}/${channel}` && c.status === 201)
    .flatMap((c) => c.items as { payload: never }[])
    .map((m) => m.payload);

test('IF-005 reaches the Registration Service with a new correlation id, and the IF-006 reply carries it back to the metering service', async () => {
  const schemas = createSchemaRegistry(t.dip.catalogue);
  const install = t.message({
    channel: 'IF-005',
    sender: MSS,
    role: 'MSS',
    mpan: MPAN,
    distributor: LDSO,
    eventCode: '[MeterInstall]',
  });
  const sent = await t.send({ as: MSS, channel: 'IF-005', body: [install], transport: 'socket' });
  assert.equal(sent.status, 201, sent.text);
  const correlation = sent.json.messageArray[0]!.correlationID!;
  workflow = correlation;
  assert.match(correlation, /^CI-\d{8}-[0-9a-f]{32}$/);

  await sink.waitFor(() => payloadsFor(REGS, 'IF-005').length === 1);
  const pub005 = payloadsFor(REGS, 'IF-005')[0]!;
  assert.equal(pub005.CommonBlock!.D0!.initialCorrelationID, correlation);
  assert.equal(pub005.CommonBlock!.D0!.publicationID, 'PUB-005');
  assert.equal(pub005.CommonBlock!.D0!.transactionID, sent.json.messageArray[0]!.transactionID);
  assert.equal(pub005.CommonBlock!.D0!.replayIndicator, false);
  assert.deepEqual(pub005.CommonBlock!.A0, { primaryRecipients: [], secondaryRecipients: [REGS], always: [] });
  assert.deepEqual(
    pub005.CommonBlock!.S1,
    (install.payload.CommonBlock as Record<string, unknown>).S1,
    'the sender block passes through',
  );
  assert.deepEqual(pub005.CustomBlock, install.payload.CustomBlock, 'the custom block passes through unchanged');
  assert.equal(
    checkPayload(t.dip.catalogue, schemas, 'IF-005', pub005).kind,
    'ok',
    'PUB-005 is valid against the IF-005 schema',
  );
  const call = sink.calls().find((c) => c.path === `/${REGS}/IF-005`)!;
  assert.deepEqual(call.mpo, { dipId: REGS, role: 'REGS', name: 'Demo Registration Service' });

  const reply = t.message({
    channel: 'IF-006',
    sender: REGS,
    role: 'REGS',
    mpan: MPAN,
    distributor: LDSO,
    eventCode: '[MeterInstall]',
    correlationId: correlation,
  });
  const answered = await t.send({ as: REGS, channel: 'IF-006', body: [reply], transport: 'socket' });
  assert.equal(answered.status, 201, answered.text);
  assert.equal(answered.json.messageArray[0]!.correlationID, correlation);

  await sink.waitFor(() => [MSS, SUP, LDSO].every((who) => payloadsFor(who, 'IF-006').length === 1));
  const pub006 = payloadsFor(MSS, 'IF-006')[0]!;
  assert.equal(
    pub006.CommonBlock!.D0!.initialCorrelationID,
    correlation,
    'the metering service can match the reply to its IF-005',
  );
  assert.equal((pub006.CommonBlock!.S1 as Record<string, unknown>).senderCorrelationID, correlation);
  assert.equal(pub006.CommonBlock!.D0!.publicationID, 'PUB-006');
  assert.equal(checkPayload(t.dip.catalogue, schemas, 'IF-006', pub006).kind, 'ok');
  assert.deepEqual(
    pub006.CommonBlock!.A0,
    { primaryRecipients: [], secondaryRecipients: [SUP, MSS, LDSO], always: ['1800000001'] },
    'A0 lists who the DIP resolved: EES always receives IF-006',
  );
});

test('the portal shows the workflow in order, each participant only the messages and copies it may see', async () => {
  const portal = portalClient(t);
  const view = async (who: string): Promise<string[]> => {
    const page = await portal.call('GET', `/portal/workflows/${workflow}`, (await portal.signIn(who)).cookie);
    assert.equal(page.status, 200);
    const list = /<ol class="workflow"[^>]*>([^]*)<\/ol>/.exec(page.text)?.[1] ?? '';
    // A message's line, then a line for each of its copies.
    return [...list.matchAll(/<p>\s*<strong>[^]*?<\/p>|<li>to [^<]*<\/li>/g)].map((m) =>
      m[0]
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim()
        .replace(/^\S+ · /, ''),
    );
  };
  assert.deepEqual(await view(MSS), [
    `IF-005 [MeterInstall] from ${MSS} (MSS) for MPAN ${MPAN}`,
    `to ${REGS} as REGS: delivered`,
    `IF-006 [MeterInstall] from ${REGS} (REGS) for MPAN ${MPAN}`,
    `to ${MSS} as MSS: delivered`,
  ]);
  assert.deepEqual(await view(SUP), [
    `IF-006 [MeterInstall] from ${REGS} (REGS) for MPAN ${MPAN}`,
    `to ${SUP} as SUP: delivered`,
  ]);
  const regs = await view(REGS);
  assert.equal(regs.length, 2 + 1 + 4, 'the reply’s sender sees every copy of its reply');
  assert.ok(regs.includes('to 1800000001 as EES: pending'), regs.join('\n'));
  const stranger = await portal.call(
    'GET',
    `/portal/workflows/${workflow}`,
    (await portal.signIn('1000000002')).cookie,
  );
  assert.match(stranger.text, /No message of this workflow that you may see/);
});
