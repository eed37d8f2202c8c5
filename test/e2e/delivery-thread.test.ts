/**
 * The delivery thread's supervision: a thread that dies is started again, wake-ups and registry changes
 * reach it, and stop waits for it to finish. A stand-in thread makes dying happen on demand.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { startDeliveryThread } from '../../src/runtime/delivery-host.js';
import { until } from '../helpers/until.js';

const dir = mkdtempSync(join(tmpdir(), 'opendip-thread-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const count = (file: string): number =>
  existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').length : 0;

async function eventually(what: string, predicate: () => boolean): Promise<void> {
  await until(predicate, what).catch(() => undefined);
  assert.ok(predicate(), what);
}

test('a delivery thread that dies is started again and told what the old one was told; stop ends it', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  const setup = {
    config: loadConfig({ dataDir: dir }, {}),
    dipCertFile: '',
    dipKeyFile: '',
    webhookCaFiles: [],
    ticketBase: null,
  };
  const thread = await startDeliveryThread(setup, logger, {
    script: new URL('./fake-delivery-thread.js', import.meta.url),
    restartDelayMs: 0,
  });
  assert.equal(count('starts'), 1);
  thread.registryChanged();
  await eventually('registry changes reach the thread', () => count('registry') === 1);
  thread.wake();
  await eventually('the thread is started again after it dies', () => count('starts') === 2);
  assert.ok(
    lines.some((l) => /"code":3.*the delivery thread exited; starting it again/.test(l)),
    lines.join(''),
  );
  // Until the new thread says it is ready, what is sent is dropped (it loads the registry as it starts anyway).
  await eventually('the new thread hears of registry changes', () => {
    thread.registryChanged();
    return count('registry') >= 2;
  });
  // A restart is a timer set when a thread exits; the stopped thread has exited once stop returns.
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  await thread.stop();
  thread.wake();
  assert.equal(timers(), before, 'a stopped thread schedules no restart');
  assert.equal(thread.alive(), false);
  assert.equal(count('starts'), 2, 'a stopped thread is not started again');
});
