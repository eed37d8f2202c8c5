/**
 * The delivery engine's lease heartbeat against a real store, with a sender standing in for the webhook so
 * that the test decides when each call returns. A renewal that was under way while one call on an endpoint
 * finished and the next call on it began must not take the next call's lease for lost: that call would be
 * dropped and the endpoint left leased, and so undelivered, until its lease ran out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { loadCatalogue } from '../../src/catalogue/load.js';
import type { CallResult } from '../../src/delivery/classify.js';
import { createRunner } from '../../src/delivery/runner.js';
import type { WebhookCall } from '../../src/delivery/sender.js';
import { DEFAULT_BREAKER } from '../../src/domain/breaker.js';
import type { StandardResponseItem } from '../../src/domain/responses.js';
import { DEFAULT_RETRY } from '../../src/domain/retry.js';
import { systemClock } from '../../src/domain/time.js';
import type { RegistryView } from '../../src/registry/registry.js';
import { openStore } from '../../src/storage/open.js';
import { STATUS_CHANNEL, type Endpoint } from '../../src/domain/delivery.js';

const SUP = '1000000001';
const LEASE_MS = 2_000;

const item = (n: number): StandardResponseItem => ({
  transactionID: `T-IF-021-1200000001-SDS-20260101-${String(n).padStart(16, '0')}`,
  senderUniqueReference: null,
  correlationID: null,
  sentTimestamp: '2026-01-01T00:00:00+00:00',
  senderID: '0000000000',
  recipientID: SUP,
  DIPConnectionProviderID: null,
  message: 'MSG1000 - Message Processing Failed',
  help: null,
  serviceTicketURL: null,
});

/** A promise and the function that settles it. */
function signal<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('a renewal that straddles the end of one call and the start of the next leaves the next call its lease', async () => {
  const store = await openStore('sqlite::memory:');
  const warnings: string[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) },
  );
  const firstRecorded = signal();
  const claimedAgain = signal();
  let claims = 0;
  const renewalStarted = signal();
  const renewalDone = signal();
  let renewals = 0;
  let lookups = 0;
  const calls: WebhookCall[] = [];
  const secondDelivered = signal();

  const real = {
    recordAttempt: store.recordAttempt.bind(store),
    renewLeases: store.renewLeases.bind(store),
    webhooks: store.webhooks.bind(store),
    claimDueEndpoints: store.claimDueEndpoints.bind(store),
  };
  const gated = Object.assign(Object.create(store) as typeof store, {
    async claimDueEndpoints(...args: Parameters<typeof store.claimDueEndpoints>) {
      const claimed = await real.claimDueEndpoints(...args);
      if (claimed.length > 0 && ++claims === 2) claimedAgain.resolve();
      return claimed;
    },
    async recordAttempt(...args: Parameters<typeof store.recordAttempt>) {
      const recorded = await real.recordAttempt(...args);
      firstRecorded.resolve();
      return recorded;
    },
    // The first renewal is taken with the first call in flight, reaches the store once that call is recorded
    // (so it renews nothing), and answers once the endpoint has been claimed for the next call.
    async renewLeases(endpoints: Endpoint[], owner: string, until: number) {
      if (++renewals > 1 || endpoints.length === 0) return real.renewLeases(endpoints, owner, until);
      renewalStarted.resolve();
      await firstRecorded.promise;
      const kept = await real.renewLeases(endpoints, owner, until);
      await claimedAgain.promise;
      await new Promise((r) => setImmediate(r));
      setImmediate(() => renewalDone.resolve());
      return kept;
    },
    // The second call's lookup waits until the renewal has judged what it kept.
    async webhooks(recipientId: string, channel: string) {
      if (++lookups === 2) await renewalDone.promise;
      return real.webhooks(recipientId, channel);
    },
  });

  const runner = createRunner({
    store: gated,
    sender: {
      async post(call): Promise<CallResult> {
        calls.push(call);
        if (calls.length === 1) {
          // A second copy falls due while the first call is in flight, so the endpoint is claimed again at once.
          await store.addStatusMessages([{ recipientId: SUP, role: '', messageSeq: null, item: item(2) }], Date.now());
          await renewalStarted.promise;
        } else {
          secondDelivered.resolve();
        }
        return { kind: 'response', status: 201, retryAfter: undefined, text: '' };
      },
      close: async () => undefined,
    },
    catalogue: loadCatalogue(),
    registry: () => ({ participant: () => undefined }) as unknown as RegistryView,
    clock: systemClock,
    logger,
    dipId: '0000000000',
    owner: 'test:1:a:dir',
    deadHolders: () => [],
    random: () => 0.5,
    policy: {
      retry: DEFAULT_RETRY,
      breaker: DEFAULT_BREAKER,
      lingerMs: 0,
      concurrency: 4,
      leaseMs: LEASE_MS,
      pollMs: 5_000,
    },
  });
  try {
    await store.saveWebhooks(
      [
        {
          recipientId: SUP,
          channel: STATUS_CHANNEL,
          role: '',
          callbackUrl: 'http://127.0.0.1:9/hook',
          maxMessageCount: 100,
          maxPayloadKb: 1_000,
          configuredBy: SUP,
        },
      ],
      Date.now(),
    );
    await store.addStatusMessages([{ recipientId: SUP, role: '', messageSeq: null, item: item(1) }], Date.now());
    runner.start();
    await renewalDone.promise;
    // Well before the lease would run out: a lease wrongly taken for lost leaves the copy waiting a whole lease.
    const deadline = new Promise<'late'>((r) => setTimeout(() => r('late'), LEASE_MS / 2).unref());
    assert.equal(
      await Promise.race([secondDelivered.promise.then(() => 'sent' as const), deadline]),
      'sent',
      `the second copy was not sent within ${LEASE_MS / 2} ms of the renewal (warnings: ${warnings.join('; ')})`,
    );
    assert.deepEqual(warnings, [], 'no lease was taken for lost');
    assert.equal(calls.length, 2);
  } finally {
    await runner.stop();
    await store.close();
  }
});
