/**
 * What both crash tests (crash-sqlite, crash-postgres) share: the bounds and sizes, preparing the ledger's
 * webhooks, draining what is owed once sending stops, and the end checks.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DemoMarketFile } from '../../src/demo/market.js';
import {
  demoSamples,
  participant,
  routedRecipients,
  seconds,
  startLedger,
  subscribe,
  until,
  type Ledger,
  type Slot,
  type TrafficReport,
} from './crash-support.js';
import { readMarket, type Message } from './support.js';

/** The design's bound: delivery resumes within 10 s of a restart (from its banner to a webhook call). */
export const RESUME_BOUND_MS = 10_000;
/** How long the sink takes to answer while it is slow: long enough that a kill lands mid-call. */
export const SLOW_ANSWER_MS = 1_500;
export const CLIENTS = 3;
export const BATCH = 20;
/** Small calls, so that many are made and the backlog is spread over many. */
const WEBHOOK_MAX_MESSAGES = 100;
const DRAIN_DEADLINE_MS = 60_000;
/** How long the DIP may take to acknowledge anything at all (after a start, or since the last check). */
const PROGRESS_DEADLINE_MS = 30_000;

export const sdsOf = (market: DemoMarketFile) =>
  participant(market, market.participants.find((p) => p.roles.includes('SDS'))!.dipId);

/** Probes who the sample is routed to, points those recipients' webhooks at the ledger's sink. */
export async function prepare(
  api: Slot,
  dataDir: string,
): Promise<{ ledger: Ledger; templates: Message[]; recipients: string[] }> {
  const market = readMarket(dataDir);
  const templates = demoSamples(dataDir);
  const ledger = await startLedger(readFileSync(market.caCertificatePath, 'utf8'));
  const probe = await routedRecipients(api.poster!, templates);
  assert.ok(probe.recipients.length > 0, 'the sample is routed to someone');
  ledger.ignore(probe.transactionId);
  ledger.expect(probe.recipients);
  await subscribe(api.server!.baseUrl, market, probe.recipients, ledger.sink.url, WEBHOOK_MAX_MESSAGES);
  return { ledger, templates, recipients: probe.recipients };
}

/**
 * Lets traffic run for a random while, and at least until the DIP acknowledged more than `since` messages:
 * the moment of the next kill is random, but never before the running processes did some work.
 */
export async function trafficFor(ledger: Ledger, since: number, minMs: number, maxMs: number): Promise<void> {
  await Promise.all([
    sleep(randomInt(minMs, maxMs)),
    until(
      () => ledger.acknowledgedCount() > since,
      Date.now() + PROGRESS_DEADLINE_MS,
      `messages acknowledged beyond the ${since} so far`,
      20,
    ),
  ]);
}

/** Waits until every acknowledged message reached every recipient; says how many copies were owed and how long that took. */
export async function drain(ledger: Ledger): Promise<{ owed: number; ms: number }> {
  const t0 = Date.now();
  const owedAtStart = ledger.outstandingCount();
  await until(
    () => ledger.outstandingCount() === 0,
    t0 + DRAIN_DEADLINE_MS,
    () => {
      const owed = [...ledger.outstanding()]
        .filter(([, n]) => n > 0)
        .map(([r, n]) => `${r}: ${n}`)
        .join(', ');
      return `delivery of every acknowledged message to every recipient within ${seconds(DRAIN_DEADLINE_MS)} (copies still owed: ${owed})`;
    },
    100,
  );
  return { owed: owedAtStart, ms: Date.now() - t0 };
}

/** The end checks shared by both backends, and the summary line. */
export function check(
  t: TestContext,
  backend: string,
  ledger: Ledger,
  traffic: TrafficReport,
  drained: { owed: number; ms: number },
  recipients: string[],
): void {
  const tally = ledger.tally();
  assert.deepEqual(traffic.unexpected.slice(0, 5), [], 'every answer of a live DIP was 201');
  assert.deepEqual(tally.strangers, [], 'A0 names only the recipients the audit record gave');
  assert.deepEqual(tally.refusedCalls, {}, 'the sink refused no webhook call');
  assert.equal(tally.lost, 0, `acknowledged copies never received: ${tally.lostExamples.join('; ')}`);
  t.diagnostic(
    `${backend}: ${tally.acknowledged} messages acknowledged (${traffic.requests} requests, ${traffic.unanswered} cut off by kills); ` +
      `${tally.received} copies delivered to ${recipients.length} recipients; ${tally.duplicates} duplicates; lost 0; ` +
      `${tally.unacknowledgedDelivered} delivered whose answer a kill took; ${drained.owed} copies pending when sending stopped, drained in ${seconds(drained.ms)}`,
  );
}
