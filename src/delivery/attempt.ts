/**
 * One attempt at one claimed endpoint: the webhook that serves it, whether its breaker lets a call
 * through, what is due, then the call, and all that its answer means recorded in one transaction; or the
 * endpoint released until it is worth looking at again.
 */
import { admit, onFailure, onSuccess, type Breaker } from '../domain/breaker.js';
import type { Endpoint, PendingDelivery, WebhookConfig } from '../domain/delivery.js';
import type { CopyOutcome } from '../domain/observe.js';
import { webhookInForce } from '../registry/entitlement.js';
import { buildBatch, sendBatch, type BatchItem } from './batch.js';
import { classify, type Classification } from './classify.js';
import type { Leases } from './leases.js';
import { settle } from './outcome.js';
import type { PayloadBuilder } from './payloads.js';
import type { RunnerDeps } from './engine-deps.js';
import { webhookFor } from './webhooks.js';

/** The most copies read for one call: bounds memory whatever limits a webhook asks for. */
const FETCH_LIMIT = 5_000;
/** How soon an endpoint whose only webhooks are out of force (a withdrawn DCP's) is looked at again. */
const WEBHOOK_RECHECK_MS = 30_000;

export type AttemptDeps = RunnerDeps & { payloads: PayloadBuilder; leases: Leases };

/** When the endpoint is to be looked at again instead of served now; `park`: not before a webhook is configured. */
type Later = { later: true; notBefore: number | null; park?: boolean };

// A false answer means the lease was lost meanwhile: its new holder has the endpoint, nothing to undo.
const release = async (deps: AttemptDeps, endpoint: Endpoint, { notBefore, park = false }: Later): Promise<void> =>
  void (await deps.store.releaseEndpoint(endpoint, notBefore, park));

/** The webhook to call and the breaker's admission, or when to look again. */
async function readiness(
  deps: AttemptDeps,
  endpoint: Endpoint,
  now: number,
): Promise<{ later: false; webhook: WebhookConfig; breaker: Breaker } | Later> {
  // The role's own webhook while its configurer may still act in the role, else the recipient's own; the
  // DIP's own configurations (the demo market's) are always in force.
  const configs = await deps.store.webhooks(endpoint.recipientId, endpoint.channel);
  await deps.registryCaughtUp?.();
  const webhook = webhookFor(configs, endpoint.role, webhookInForce(deps.registry(), deps.dipId, endpoint.recipientId));
  // No webhook at all: parked until one is configured. One a DCP configured without (any longer) acting in
  // the role: looked at again now and then, as a registry change elsewhere may put it back in force.
  if (!webhook)
    return configs.length === 0
      ? { later: true, notBefore: null, park: true }
      : { later: true, notBefore: now + WEBHOOK_RECHECK_MS };
  const admission = admit(endpoint.breaker, now);
  if (!admission.allowed) {
    const b = admission.breaker;
    return { later: true, notBefore: b.state === 'open' ? b.until : now + deps.policy.breaker.openMs };
  }
  return { later: false, webhook, breaker: admission.breaker };
}

/** Nothing is due, or only first attempts fewer than a call can carry, young enough to wait for company. */
function notYet(pending: PendingDelivery[], webhook: WebhookConfig, lingerMs: number, now: number): Later | null {
  if (pending.length === 0) return { later: true, notBefore: null };
  if (pending.length < webhook.maxMessageCount && lingerMs > 0 && pending.every((d) => d.attempts === 0)) {
    const oldest = Math.min(...pending.map((d) => d.createdAt));
    if (now - oldest < lingerMs) return { later: true, notBefore: oldest + lingerMs };
  }
  return null;
}

/** The attempt's changes to its deliveries, its endpoint's breaker and when the endpoint is next due, in one go. */
async function record(
  deps: AttemptDeps,
  endpoint: Endpoint,
  batch: BatchItem[],
  c: Classification,
  admitted: Breaker,
  at: number,
): Promise<{ delivered: number[]; outcomes: Partial<Record<CopyOutcome, number>>; breaker: Breaker } | null> {
  const { delivered, updates, entries, notices } = settle(
    { retry: deps.policy.retry, random: deps.random, dipId: deps.dipId, ticketUrl: deps.ticketUrl },
    batch,
    c,
    at,
  );
  const breaker = c.healthy ? onSuccess(admitted) : onFailure(admitted, at, deps.policy.breaker);
  const recorded = await deps.store.recordAttempt({
    endpoint,
    at,
    delivered: { ids: delivered, status: c.status },
    updates,
    journal: entries,
    statusMessages: notices,
    breaker,
    notBefore: breaker.state === 'open' ? breaker.until : null,
  });
  if (!recorded) {
    deps.leases.warnLost(endpoint, 'after its call; its new holder sends the batch again');
    return null;
  }
  const outcomes: Partial<Record<CopyOutcome, number>> = { delivered: delivered.length };
  for (const u of updates) {
    const state: CopyOutcome = u.state === 'pending' ? 'retrying' : u.state;
    outcomes[state] = (outcomes[state] ?? 0) + 1;
  }
  return { delivered, outcomes, breaker };
}

/** Tells the observer what a recorded attempt did; only channel and role name the endpoint outside this process. */
function observe(
  deps: AttemptDeps,
  endpoint: Endpoint,
  batch: BatchItem[],
  recorded: NonNullable<Awaited<ReturnType<typeof record>>>,
  call: { status: number | null; result: Awaited<ReturnType<typeof sendBatch>>['result']; bytes: number; at: number },
): void {
  if (!deps.observer) return;
  const delivered = new Set(recorded.delivered);
  deps.observer.attempt({
    channel: endpoint.channel,
    role: endpoint.role,
    status: call.status,
    error: call.result.kind === 'error' ? call.result.reason : null,
    messages: batch.length,
    bytes: call.bytes,
    outcomes: recorded.outcomes,
    deliveredAfter: batch.filter((b) => delivered.has(b.d.id)).map((b) => Math.max(0, call.at - b.d.createdAt) / 1000),
    breaker: { before: endpoint.breaker.state, after: recorded.breaker.state },
    endpointKey: `${endpoint.recipientId}\n${endpoint.role}\n${endpoint.channel}`,
  });
}

export async function attempt(deps: AttemptDeps, endpoint: Endpoint): Promise<void> {
  const now = deps.clock.now();
  const ready = await readiness(deps, endpoint, now);
  if (ready.later) return release(deps, endpoint, ready);
  const { webhook } = ready;
  const tFetch = performance.now();
  const pending = await deps.store.pendingDeliveries(endpoint, now, Math.min(webhook.maxMessageCount, FETCH_LIMIT));
  const later = notYet(pending, webhook, deps.policy.lingerMs, now);
  if (later) return release(deps, endpoint, later);
  const tBuild = performance.now();
  const batch = await buildBatch(deps, endpoint, webhook, pending, now);
  if (deps.leases.lost(endpoint)) return deps.leases.warnLost(endpoint, 'before its call');
  const tPost = performance.now();
  const { body, result } = await sendBatch(deps, endpoint, webhook, batch);
  const at = deps.clock.now();
  const tRecord = performance.now();
  const c = classify(
    result,
    batch.map((b) => (b.message ? b.message.transactionId : (b.d.statusItem?.transactionID ?? null))),
  );
  const recorded = await record(deps, endpoint, batch, c, ready.breaker, at);
  const bytes = body.reduce((n, part) => n + part.length, 0);
  if (recorded) observe(deps, endpoint, batch, recorded, { status: c.status, result, bytes, at });
  // Where the time of an attempt went, for operators chasing a slow endpoint.
  const timings = {
    fetch: tBuild - tFetch,
    build: tPost - tBuild,
    post: tRecord - tPost,
    record: performance.now() - tRecord,
  };
  deps.logger.info(
    {
      ...Object.fromEntries(Object.entries(timings).map(([k, v]) => [`${k}Ms`, Math.round(v)])),
      recipient: endpoint.recipientId,
      role: endpoint.role || undefined,
      channel: endpoint.channel,
      messages: batch.length,
      bytes,
      status: c.status,
      error: result.kind === 'error' ? result.detail : undefined,
      ms: at - now,
    },
    'delivery attempt',
  );
}
