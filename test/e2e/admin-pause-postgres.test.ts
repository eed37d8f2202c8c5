/**
 * Pauses across processes: two `opendip serve` processes on one PostgreSQL database. A pause taken
 * through one is applied by it at once and reaches the other within its refresh; a resume taken through
 * the other does the same the other way round.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startServer, type ServerProcess } from '../../bench/lib/server.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { buildBatch } from '../../src/catalogue/messages.js';
import { dropSchemas, freshSchemaUrl, postgresUnavailable } from '../helpers/postgres.js';
import { participantSignature } from '../helpers/signer.js';
import { until } from '../helpers/until.js';

const OPERATOR = '9000000001';
const SUP = '1000000001';
const MSS = '1300000001';
const unavailable = await postgresUnavailable();
after(dropSchemas);

test(
  'a pause through one process is refused by the other; a resume through the other reaches the first',
  {
    skip: unavailable ?? false,
  },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opendip-pause-pg-'));
    const common = ['--database', await freshSchemaUrl(), '--log-level', 'warn', '--pause-refresh-ms', '200'];
    const processes: ServerProcess[] = [];
    try {
      processes.push(await startServer(dir, [...common, '--role', 'api']));
      processes.push(await startServer(dir, [...common, '--role', 'api', '--no-demo']));
      const [a, b] = processes as [ServerProcess, ServerProcess];
      const market = a.market;
      const catalogue = loadCatalogue();

      const call = async (p: ServerProcess, as: string, method: 'GET' | 'POST', path: string, body: unknown) => {
        const who = market.participants.find((x) => x.dipId === as)!;
        const text = body === undefined ? '' : JSON.stringify(body);
        const url = `${p.baseUrl}${path}`;
        const headers = participantSignature({
          method,
          url,
          body: text,
          keyPem: readFileSync(who.privateKeyPath, 'utf8'),
          certPem: readFileSync(who.certificatePath, 'utf8'),
        });
        const res = await fetch(url, {
          method,
          headers: { ...(text ? { 'content-type': 'application/json' } : {}), ...headers },
          ...(text ? { body: text } : {}),
        });
        return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
      };
      const send = (p: ServerProcess) =>
        call(
          p,
          SUP,
          'POST',
          '/dip-channel/IF-004',
          buildBatch(catalogue, { channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: [MSS] }, 1),
        );

      assert.equal((await send(b)).status, 201, 'b accepts before the pause');
      const paused = await call(a, OPERATOR, 'POST', '/admin/pause', {
        ingress: true,
        channel: 'IF-004',
        retryAfter: 45,
      });
      assert.equal(paused.status, 200, paused.text);
      const refusedByA = await send(a);
      assert.equal(refusedByA.status, 503, 'the process that took the call applies it at once');
      assert.equal(refusedByA.retryAfter, '45');
      let last = { status: 0, retryAfter: null as string | null, text: '' };
      await until(
        async () => (last = await send(b)).status === 503,
        () => `b refuses (last answer ${last.status} ${last.text})`,
      );
      assert.equal(last.retryAfter, '45');
      const listed = JSON.parse((await call(b, OPERATOR, 'GET', '/admin/pauses', undefined)).text) as {
        pauses: { scope: string; pausedBy: string }[];
      };
      assert.deepEqual(
        listed.pauses.map((p) => [p.scope, p.pausedBy]),
        [['ingress on IF-004', OPERATOR]],
      );

      const resumed = await call(b, OPERATOR, 'POST', '/admin/resume', { ingress: true, channel: 'IF-004' });
      assert.equal(resumed.status, 200, resumed.text);
      assert.equal((await send(b)).status, 201, 'b, which took the resume, accepts at once');
      await until(
        async () => (last = await send(a)).status === 201,
        () => `a accepts again (last answer ${last.status} ${last.text})`,
      );
    } finally {
      await Promise.all(processes.map((p) => p.stop()));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
