/**
 * A `--role worker` process has no API port: its `--metrics-port` listener serves /metrics and the health
 * checks. An API process and a worker share one PostgreSQL database; a message the API accepts is
 * delivered by the worker, and the worker's scrape shows it while the API's shows the send.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSink } from '../../src/sink/sink.js';
import type { Sink } from '../../src/sink/types.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { dropSchemas, freshSchemaUrl, postgresUnavailable } from '../helpers/postgres.js';
import { get, parseMetrics, total, until } from '../helpers/metrics.js';

const MSS = '1300000001';
const REGS = '1100000001';
const MPAN = '1900000000013';

const skip = await postgresUnavailable();

describe('a worker process', { skip: skip ?? false }, () => {
  let api: TestDip;
  let worker: TestDip;
  let sink: Sink;
  before(async () => {
    const database = await freshSchemaUrl();
    api = await startTestDip({ flags: { database, role: 'api', batchLingerMs: '0' } });
    worker = await startTestDip({ flags: { database, role: 'worker', metricsPort: '0', batchLingerMs: '0' } });
    sink = await startSink({ trustedCa: [api.pki.ca.certificatePem] });
    await api.appoint(MPAN, 'REGS', REGS);
    assert.equal((await api.subscribe(REGS, 'IF-005', `${sink.url}/${REGS}`)).status, 201);
  });
  after(async () => {
    await worker?.close();
    await api?.close();
    await sink?.close();
    await dropSchemas();
  });

  test('serves /health/live, /health/ready and /health on its metrics port', async () => {
    assert.ok(worker.dip.metricsOrigin, 'the worker listens on its metrics port');
    assert.equal(api.dip.metricsOrigin, null, 'an API process without --metrics-port has no second listener');
    assert.equal((await get(`${worker.dip.metricsOrigin}/health/live`)).status, 200);
    const ready = await get(`${worker.dip.metricsOrigin}/health/ready`);
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual((JSON.parse(ready.text) as { checks: unknown }).checks, {
      store: true,
      migrations: true,
      deliveryThread: true,
      overdueSeconds: 0,
    });
    const health = JSON.parse((await get(`${worker.dip.metricsOrigin}/health`)).text) as { storage: string };
    assert.equal(health.storage, 'postgres');
    assert.equal((await get(`${worker.dip.metricsOrigin}/1.1/dip-channel/IF-005`)).status, 404, 'and nothing else');
    const apiReady = JSON.parse((await get(`${api.origin}/health/ready`)).text) as { checks: unknown };
    assert.deepEqual(
      apiReady.checks,
      { store: true, migrations: true, deliveryThread: null, overdueSeconds: null },
      'an API process does not deliver, so neither its thread nor overdue delivery is its concern',
    );
  });

  test('its /metrics shows what its delivery thread delivered; the API process shows the send', async () => {
    const body = [1, 2].map(() =>
      api.message({
        channel: 'IF-005',
        sender: MSS,
        role: 'MSS',
        mpan: MPAN,
        distributor: '1600000001',
        eventCode: '[MeterInstall]',
      }),
    );
    const sent = await api.send({ as: MSS, channel: 'IF-005', body, transport: 'socket' });
    assert.equal(sent.status, 201, sent.text);
    const scrape = async () => parseMetrics((await get(`${worker.dip.metricsOrigin}/metrics`)).text);
    await until('the worker reports both copies delivered', async () => {
      const s = await scrape();
      return total(s, 'opendip_delivery_copies_total', { channel: 'IF-005', role: 'REGS', state: 'delivered' }) === 2;
    });
    const s = await scrape();
    assert.ok(total(s, 'opendip_delivery_attempts_total', { channel: 'IF-005', status: '201' }) >= 1);
    assert.equal(total(s, 'opendip_send_requests_total'), 0, 'the worker accepted nothing');
    const a = parseMetrics((await get(`${api.origin}/metrics`)).text);
    assert.equal(total(a, 'opendip_send_messages_total', { channel: 'IF-005', code: 'MSG0000' }), 2);
    assert.equal(total(a, 'opendip_delivery_attempts_total'), 0, 'the API process delivered nothing');
  });
});
