/**
 * Consumption replay (seed §5.1.7): an Advanced Data Service newly appointed to a site asks on IF-015;
 * the DIP replays on PUB-016 the site's IF-021 and IF-013 history of the four months before the
 * appointment, from the two previous data services, each with the original S1 as S2 and the request's
 * correlation id. Only the appointed ADS may ask; anyone else is refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import { type Sink } from '../../src/sink/types.js';
import { startTestDip, type Reply, type TestDip } from '../helpers/dip.js';
import { manualClock, until } from './delivery-support.js';

const MPAN = '1900000000013';
const OTHER_MPAN = '1900000000022';
const FIRST_DS = '1200000001'; // SDS and ADS
const SECOND_DS = '1400000002'; // UMSDS
const NEW_ADS = '1200000002';
const MDS = '1700000001';
const SUP = '1000000001';
const LDSO = '1600000001';
const MONTH = 30 * 86_400_000;

type Element = { payload: { CommonBlock: Record<string, Record<string, unknown>>; CustomBlock?: unknown } };

const clock = manualClock(Date.now()); // certificates are valid from now: the story runs forward
const T0 = clock.now();
const SSD = T0 + 5 * MONTH;
let t: TestDip;
let sink: Sink;
/** What was sent, by name: its transaction id and payload as sent. */
type Sent = { txn: string; payload: { CommonBlock: Record<string, Record<string, unknown>>; CustomBlock?: unknown } };
const sent: Record<string, Sent> = {};
const surOf = (name: string): string => sent[name]!.payload.CommonBlock.S1!.senderUniqueReference as string;

const at = (months: number) => T0 + months * MONTH;
async function send(
  name: string,
  when: number,
  as: string,
  role: string,
  channel: string,
  extra: Record<string, unknown> = {},
): Promise<Reply> {
  clock.advance(when - clock.now());
  const m = t.message({ channel, sender: as, role, mpan: MPAN, distributor: LDSO, at: clock.now(), ...extra });
  const r = await t.send({ as, channel, body: [m], date: new Date(clock.now()).toISOString() });
  assert.equal(r.status, 201, r.text.slice(0, 400));
  sent[name] = { txn: r.json.messageArray[0]!.transactionID!, payload: m.payload as never };
  return r;
}

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' }, clock });
  sink = await startSink({ trustedCa: [t.pki.ca.certificatePem] });
  await t.appoint(MPAN, 'SUP', SUP, T0);
  await t.appoint(MPAN, 'DS', FIRST_DS, T0);
  await t.appoint(MPAN, 'DS', SECOND_DS, at(3));
  await t.appoint(MPAN, 'DS', NEW_ADS, SSD);
  await t.appoint(OTHER_MPAN, 'DS', FIRST_DS, T0);
  for (const who of [NEW_ADS, FIRST_DS])
    assert.equal((await t.subscribe(who, 'IF-016', `${sink.url}/${who}`)).status, 201);

  await send('too early', at(0.5), FIRST_DS, 'ADS', 'IF-021');
  await send('first', at(1.5), FIRST_DS, 'ADS', 'IF-021');
  await send('defaulted', at(2), MDS, 'MDS', 'IF-013', { primaryRecipients: [FIRST_DS] });
  await send('reactive', at(2.5), FIRST_DS, 'ADS', 'IF-021', { eventCode: '[ReactivePower]' });
  await send('second', at(3.5), SECOND_DS, 'UMSDS', 'IF-021');
  await send('last', at(4.5), SECOND_DS, 'UMSDS', 'IF-021');
  await send('other site', at(4.6), FIRST_DS, 'ADS', 'IF-021', { mpan: OTHER_MPAN });
  await send('own', at(5.2), NEW_ADS, 'ADS', 'IF-021');
});
after(async () => {
  await t.close();
  await sink.close();
});

test('the newly appointed ADS gets the four months before its appointment, from both previous data services, on PUB-016', async () => {
  const request = await send('request', at(5.5), NEW_ADS, 'ADS', 'IF-015');
  const correlation = request.json.messageArray[0]!.correlationID!;
  assert.match(correlation, /^CI-\d{8}-/, 'IF-015 creates a correlation id');
  t.dip.delivery!.wake();
  const got = () =>
    (sink.messages() as Element[]).filter(
      (e) =>
        e.payload.CommonBlock.A0?.primaryRecipients &&
        (e.payload.CommonBlock.A0.primaryRecipients as string[]).includes(NEW_ADS),
    );
  await until(() => got().length >= 5, 'PUB-016 at the new ADS');
  const replays = got();
  assert.deepEqual(
    replays.map((e) => (e.payload.CommonBlock.S2 as { senderUniqueReference: string }).senderUniqueReference),
    ['first', 'defaulted', 'reactive', 'second', 'last'].map(surOf),
  );
  assert.deepEqual(
    replays.map((e) => e.payload.CommonBlock.S0!.eventCode),
    ['[ActivePower]', '[ActivePowerDefaulted]', '[ReactivePower]', '[ActivePower]', '[ActivePower]'],
  );
  for (const [i, name] of ['first', 'defaulted', 'reactive', 'second', 'last'].entries()) {
    const e = replays[i]!.payload;
    assert.deepEqual(e.CommonBlock.S2, sent[name]!.payload.CommonBlock.S1, 'the original sender block, as S2');
    assert.deepEqual(e.CustomBlock, sent[name]!.payload.CustomBlock, 'the consumption itself, unchanged');
    assert.equal(e.CommonBlock.S0!.interfaceID, 'IF-016');
    assert.equal(e.CommonBlock.S1!.senderDIPID, '0000000000', 'the DIP sends it');
    assert.equal(e.CommonBlock.S1!.senderCorrelationID, correlation);
    assert.equal(e.CommonBlock.D0!.initialCorrelationID, correlation);
    assert.equal(e.CommonBlock.D0!.publicationID, 'PUB-016');
    assert.deepEqual(e.CommonBlock.R1, { responseCode: 'A', responseMessages: [] });
  }
  const journal = await t.dip.store.journalOf((await t.dip.store.messageByReference(surOf('request')))!.seq);
  assert.ok(
    journal.some(
      (j) => j.stage === 'Addressing' && /^5 consumption message\(s\) .* replayed on PUB-016$/.test(j.reason ?? ''),
    ),
    JSON.stringify(journal),
  );
});

test('a data service not appointed to the site is answered IF-016 [ConsumptionRequestRejected]; a non-ADS may not ask at all', async () => {
  await send('not appointed', at(5.6), FIRST_DS, 'ADS', 'IF-015');
  t.dip.delivery!.wake();
  const rejection = () =>
    (sink.messages() as Element[]).find((e) => e.payload.CommonBlock.S0?.eventCode === '[ConsumptionRequestRejected]');
  await until(() => rejection() !== undefined, 'the rejection');
  const r = rejection()!.payload.CommonBlock;
  assert.deepEqual(r.A0!.primaryRecipients, [FIRST_DS]);
  assert.equal(r.R1!.responseCode, 'R');
  assert.match(
    (r.R1!.responseMessages as string[])[0]!,
    /^1200000001 is not the data service appointed to MPAN 1900000000013/,
  );

  clock.advance(60_000);
  const m = t.message({ channel: 'IF-015', sender: SUP, role: 'SUP', mpan: MPAN, distributor: LDSO, at: clock.now() });
  const refused = await t.send({ as: SUP, channel: 'IF-015', body: [m], date: new Date(clock.now()).toISOString() });
  assert.equal(refused.status, 400);
  assert.match(refused.json.messageArray[0]!.message!, /^MSG1010/);
});
