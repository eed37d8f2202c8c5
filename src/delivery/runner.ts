/**
 * The delivery engine: claims endpoints (recipient × channel) that have copies due, packs a batch under the
 * webhook's limits, sends it, and records what the answer means for every copy, the endpoint's circuit
 * breaker and when it is next due — all in one transaction per call. One call in flight per endpoint keeps
 * an endpoint's order; many endpoints are served at once, so a dead one costs the others nothing.
 * Polling is the guarantee; wake() only cuts latency.
 */
import type { Logger } from 'pino';
import type { Catalogue } from '../catalogue/catalogue.js';
import { nextBatch, KB } from '../domain/batching.js';
import { admit, onFailure, onSuccess, type BreakerPolicy } from '../domain/breaker.js';
import { renewalInterval } from '../domain/lease.js';
import { nextAttempt, parseRetryAfter, type RetryPolicy } from '../domain/retry.js';
import type { Clock } from '../domain/time.js';
import type { StandardResponseItem } from '../domain/responses.js';
import type { RegistryView } from '../registry/registry.js';
import { deadLetterNotice, relayedRejection, withTicket } from '../status/items.js';
import {
  bareSubject,
  journalEntry,
  subjectOf,
  type ArchivedMessage,
  type JournalEntry,
  type NewStatusMessage,
} from '../domain/archive.js';
import type { DeliveryStore, IngestStore, WebhookStore } from '../storage/ports.js';
import { STATUS_CHANNEL, type DeliveryUpdate, type Endpoint, type PendingDelivery } from '../domain/delivery.js';
import { classify, type Verdict } from './classify.js';
import { createPayloadBuilder } from './payloads.js';
import { webhookFor } from './webhooks.js';
import { webhookInForce } from '../registry/entitlement.js';
import { arrayParts, type ReplayWrapper } from './egress.js';
import { replayCorrelationId, replayTransactionId } from '../domain/ids.js';
import { formatCompactDate, formatDateTime } from '../domain/time.js';
import type { Sender } from './sender.js';
import type { TicketUrl } from '../domain/ticket.js';

export interface DeliveryPolicy {
  retry: RetryPolicy;
  breaker: BreakerPolicy;
  /** How long a lone message may wait for others to share its call. */
  lingerMs: number;
  /** Endpoints served at once. */
  concurrency: number;
  leaseMs: number;
  /** How often to look for due work when nothing wakes the engine. */
  pollMs: number;
}

export interface RunnerDeps {
  store: DeliveryStore & WebhookStore & Pick<IngestStore, 'reserveSequence'>;
  sender: Sender;
  catalogue: Catalogue;
  registry: () => RegistryView;
  clock: Clock;
  logger: Logger;
  dipId: string;
  /** This engine's name on the leases it holds. */
  owner: string;
  /** Which of the current lease holders are dead and can be released at start (see domain/lease.ts). */
  deadHolders: (holders: string[]) => string[];
  policy: DeliveryPolicy;
  random: () => number;
  /** The audit URL of a transaction, for D0.serviceTicketURL. */
  ticketUrl?: TicketUrl;
}

/** The most copies read for one call: bounds memory whatever limits a webhook asks for. */
const FETCH_LIMIT = 5_000;
/** How soon an endpoint whose only webhooks are out of force (a withdrawn DCP's) is looked at again. */
const WEBHOOK_RECHECK_MS = 30_000;
/** Failed attempts journaled per copy; the copy's own row counts every attempt. */
const JOURNALED_FAILURES = 5;

export interface Runner {
  start(): void;
  wake(): void;
  stop(): Promise<void>;
}

/**
 * The wrapper of a requeued copy: a transaction id of its own (numbered from the transaction sequence, as
 * replays are, so the two never collide), and the requeue's correlation id.
 */
function requeueWrapper(
  d: PendingDelivery,
  m: ArchivedMessage,
  endpoint: Endpoint,
  now: number,
  sequence: number,
): ReplayWrapper {
  const [, day = formatCompactDate(now), hex = String(d.id)] =
    /^[0-9A-Fa-f]{10}-(\d{8})-([0-9a-zA-Z]+)$/.exec(d.requeueId!) ?? [];
  return {
    transactionID: replayTransactionId(
      endpoint.channel,
      endpoint.recipientId,
      endpoint.role,
      formatCompactDate(now),
      sequence,
    ),
    correlationID: replayCorrelationId(day, hex),
    replayTimestamp: formatDateTime(now),
    originalTransactionID: m.transactionId,
  };
}

export function createRunner(deps: RunnerDeps): Runner {
  const { store, clock, policy } = deps;
  const payloads = createPayloadBuilder(deps.catalogue, store, undefined, deps.ticketUrl);
  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  const active = new Set<Promise<void>>();
  /** Endpoints this engine is serving, by key; their leases are renewed while they are here. */
  const held = new Map<string, Endpoint>();
  /** Of those, the ones whose lease another holder took: their batch is not sent or recorded by this one. */
  const lost = new Set<string>();
  const keyOf = (e: Endpoint): string => `${e.recipientId}|${e.channel}|${e.role}`;
  let heartbeat: NodeJS.Timeout | null = null;
  const ticketed = (item: StandardResponseItem): StandardResponseItem => withTicket(item, deps.ticketUrl);

  const entry = (
    d: PendingDelivery,
    m: ArchivedMessage | null,
    at: number,
    status: string,
    statusCode: number,
    message: string | null,
    reason: string | null,
  ): JournalEntry =>
    journalEntry(at, m ? subjectOf(m) : bareSubject(STATUS_CHANNEL, d.statusItem?.transactionID ?? null), {
      stage: d.kind === 'status' ? 'StatusMessage' : 'Outbound',
      status,
      statusCode,
      message,
      reason,
      recipient: d.recipientId,
      role: d.role,
    });

  /** What a verdict does to one copy: its new state, and what the journal and the sender are told. */
  const apply = (
    d: PendingDelivery,
    m: ArchivedMessage | null,
    v: Exclude<Verdict, { outcome: 'delivered' }>,
    status: number | null,
    retryAfter: string | undefined,
    now: number,
  ) => {
    const base = { id: d.id, attempts: d.attempts + 1, lastStatus: status, firstFailureAt: d.firstFailureAt };
    const entries: JournalEntry[] = [];
    const notices: NewStatusMessage[] = [];
    let update: DeliveryUpdate;
    const journal = (state: string, message: string | null, reason: string | null): JournalEntry =>
      entry(d, m, now, state, status ?? 0, message, reason);
    if (v.outcome === 'rejected') {
      update = { ...base, state: 'rejected', nextAttemptAt: now, lastError: v.message };
      entries.push(journal('RejectedByRecipient', v.message, v.help));
      if (m)
        notices.push({
          recipientId: m.senderId,
          role: m.senderRole,
          messageSeq: m.seq,
          item: ticketed(relayedRejection(m, d.recipientId, v.message, v.help, now)),
        });
    } else if (v.outcome === 'held') {
      update = { ...base, state: 'held', nextAttemptAt: now, lastError: v.reason };
      entries.push(journal('Paused', null, v.reason));
    } else {
      const first = d.firstFailureAt ?? now;
      const next = nextAttempt(policy.retry, d.attempts + 1, first, now, parseRetryAfter(retryAfter, now), deps.random);
      if ('deadLetter' in next) {
        update = { ...base, firstFailureAt: first, state: 'dead', nextAttemptAt: now, lastError: v.reason };
        entries.push(journal('RetriesExhausted', null, v.reason));
        if (m) {
          notices.push({
            recipientId: m.senderId,
            role: m.senderRole,
            messageSeq: m.seq,
            item: ticketed(deadLetterNotice(m, deps.dipId, d.recipientId, d.role, v.reason, now)),
          });
        }
      } else {
        update = { ...base, firstFailureAt: first, state: 'pending', nextAttemptAt: next.at, lastError: v.reason };
        if (d.attempts < JOURNALED_FAILURES) entries.push(journal('Retrying', null, v.reason));
      }
    }
    return { update, entries, notices };
  };

  const serve = async (endpoint: Endpoint): Promise<void> => {
    const now = clock.now();
    // The role's own webhook while its configurer may still act in the role, else the recipient's own; the
    // DIP's own configurations (the demo market's) are always in force.
    const configs = await store.webhooks(endpoint.recipientId, endpoint.channel);
    const webhook = webhookFor(
      configs,
      endpoint.role,
      webhookInForce(deps.registry(), deps.dipId, endpoint.recipientId),
    );
    // A false answer means the lease was lost meanwhile: its new holder has the endpoint, nothing to undo.
    const release = async (notBefore: number | null, park = false): Promise<void> =>
      void (await store.releaseEndpoint(endpoint, notBefore, park));
    // No webhook at all: parked until one is configured. One a DCP configured without (any longer) acting in
    // the role: looked at again now and then, as a registry change elsewhere may put it back in force.
    if (!webhook) return configs.length === 0 ? release(null, true) : release(now + WEBHOOK_RECHECK_MS);
    const admission = admit(endpoint.breaker, now);
    if (!admission.allowed) {
      const b = admission.breaker;
      return release(b.state === 'open' ? b.until : now + policy.breaker.openMs);
    }
    const tFetch = performance.now();
    const pending = await store.pendingDeliveries(endpoint, now, Math.min(webhook.maxMessageCount, FETCH_LIMIT));
    if (pending.length === 0) return release(null);
    if (pending.length < webhook.maxMessageCount && policy.lingerMs > 0 && pending.every((d) => d.attempts === 0)) {
      const oldest = Math.min(...pending.map((d) => d.createdAt));
      if (now - oldest < policy.lingerMs) return release(oldest + policy.lingerMs);
    }
    const tBuild = performance.now();
    const messages = pending.filter((d) => d.kind === 'message' && d.requeueId === null);
    const built = await payloads.get(
      messages.map((d) => ({
        seq: d.messageSeq!,
        channel: endpoint.channel,
        role: d.role,
        publicationId: d.publicationId ?? endpoint.channel,
      })),
    );
    const payloadOf = new Map(messages.map((d, i) => [d.id, built[i]!]));
    // Requeued copies go again as replays, each in a transaction wrapper of its own.
    const requeued = pending.filter((d) => d.kind === 'message' && d.requeueId !== null);
    if (requeued.length > 0) {
      const originals = await store.messagesBySeq([...new Set(requeued.map((d) => d.messageSeq!))]);
      let sequence = await store.reserveSequence(requeued.length, now);
      for (const d of requeued) {
        const m = originals.get(d.messageSeq!);
        if (!m) throw new Error(`message ${d.messageSeq} is not in the archive`);
        payloadOf.set(
          d.id,
          payloads.replay(
            m,
            d.role,
            d.publicationId ?? endpoint.channel,
            requeueWrapper(d, m, endpoint, now, sequence++),
          ),
        );
      }
    }
    const batch = nextBatch(
      pending.map((d) => {
        const element = d.kind === 'status' ? Buffer.from(JSON.stringify(d.statusItem)) : payloadOf.get(d.id)!.element;
        return { d, element, bytes: element.length };
      }),
      webhook.maxMessageCount,
      webhook.maxPayloadKb * KB,
    );
    if (lost.has(keyOf(endpoint))) return leaseLost(endpoint, 'before its call');
    const tPost = performance.now();
    const participant = deps.registry().participant(endpoint.recipientId);
    const body = arrayParts(batch.map((b) => b.element));
    const result = await deps.sender.post({
      url: webhook.callbackUrl,
      body,
      mpo: { dipId: endpoint.recipientId, role: endpoint.role || null, name: participant?.name ?? null },
    });
    const at = clock.now();
    const tRecord = performance.now();
    const c = classify(
      result,
      batch.map((b) =>
        b.d.kind === 'message' ? payloadOf.get(b.d.id)!.message.transactionId : (b.d.statusItem?.transactionID ?? null),
      ),
    );
    const delivered: number[] = [];
    const updates: DeliveryUpdate[] = [];
    const entries: JournalEntry[] = [];
    const notices: NewStatusMessage[] = [];
    batch.forEach((b, i) => {
      const v = c.verdicts[i]!;
      const m = b.d.kind === 'message' ? payloadOf.get(b.d.id)!.message : null;
      if (v.outcome === 'delivered') {
        delivered.push(b.d.id);
        if (v.note) entries.push(entry(b.d, m, at, 'UnknownDeliveryStatus', c.status ?? 0, null, v.note));
        return;
      }
      const r = apply(b.d, m, v, c.status, c.retryAfter, at);
      updates.push(r.update);
      entries.push(...r.entries);
      // A status message about a status message would never end.
      if (b.d.kind === 'message') notices.push(...r.notices);
    });
    const breaker = c.healthy ? onSuccess(admission.breaker) : onFailure(admission.breaker, at, policy.breaker);
    const recorded = await store.recordAttempt({
      endpoint,
      at,
      delivered: { ids: delivered, status: c.status },
      updates,
      journal: entries,
      statusMessages: notices,
      breaker,
      notBefore: breaker.state === 'open' ? breaker.until : null,
    });
    if (!recorded) leaseLost(endpoint, 'after its call; its new holder sends the batch again');
    const bytes = body.reduce((n, part) => n + part.length, 0);
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
  };

  const leaseLost = (endpoint: Endpoint, when: string): void => {
    deps.logger.warn(
      { recipient: endpoint.recipientId, role: endpoint.role || undefined, channel: endpoint.channel },
      `delivery lease lost ${when}`,
    );
  };

  /** Keeps the leases of the endpoints being served; one another holder took is marked lost. */
  const renew = async (): Promise<void> => {
    const serving = [...held.values()];
    if (serving.length === 0) return;
    try {
      const kept = new Set((await store.renewLeases(serving, deps.owner, clock.now() + policy.leaseMs)).map(keyOf));
      // Only the very claim this renewal was for is lost: if that call ended meanwhile (releasing the lease, so
      // nothing was renewed) and the endpoint was claimed again, the new claim's lease is its own.
      for (const e of serving) if (!kept.has(keyOf(e)) && held.get(keyOf(e)) === e) lost.add(keyOf(e));
    } catch (e) {
      deps.logger.warn({ err: e }, 'delivery leases could not be renewed; trying again');
    }
  };

  /** At start: the leases of an engine that died (of this process or data directory) are ended, not waited out. */
  const reclaim = async (): Promise<void> => {
    try {
      const dead = deps.deadHolders(await store.leaseHolders());
      const released = await store.releaseLeasesOf(dead);
      if (released > 0)
        deps.logger.info({ endpoints: released, holders: dead }, 'released the delivery leases of a stopped process');
    } catch (e) {
      deps.logger.warn(
        { err: e },
        'delivery leases of stopped processes could not be released; they expire by themselves',
      );
    }
  };

  const tick = async (): Promise<number> => {
    const free = policy.concurrency - active.size;
    if (free <= 0) return 0;
    const claimed = await store.claimDueEndpoints(clock.now(), free, deps.owner, policy.leaseMs);
    for (const endpoint of claimed) {
      const key = keyOf(endpoint);
      // Claimed again after its lease ran out while this engine still serves it: the serving call carries on.
      if (held.has(key)) continue;
      held.set(key, endpoint);
      const job: Promise<void> = serve(endpoint)
        .catch((e: unknown) => {
          deps.logger.error(
            { err: e, recipient: endpoint.recipientId, channel: endpoint.channel },
            'delivery failed unexpectedly',
          );
          return store.releaseEndpoint(endpoint, clock.now() + policy.pollMs).catch(() => false);
        })
        .then(() => undefined)
        .finally(() => {
          held.delete(key);
          lost.delete(key);
          active.delete(job);
          wakeUp?.();
        });
      active.add(job);
    }
    return claimed.length;
  };

  const run = async (): Promise<void> => {
    await reclaim();
    while (running) {
      let claimed = 0;
      try {
        claimed = await tick();
      } catch (e) {
        deps.logger.error({ err: e }, 'delivery scheduling failed');
      }
      if (claimed > 0 && active.size < policy.concurrency) continue;
      // Sleep until the next endpoint falls due (a lingering batch, a retry, an open breaker), a wake-up, or the poll.
      let sleep = policy.pollMs;
      try {
        const due = await store.earliestDue();
        if (due !== null) sleep = Math.max(0, Math.min(policy.pollMs, due - clock.now()));
      } catch (e) {
        deps.logger.error({ err: e }, 'delivery scheduling failed');
      }
      if (sleep === 0 && active.size >= policy.concurrency) sleep = policy.pollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, sleep);
        wakeUp = () => {
          clearTimeout(timer);
          wakeUp = null;
          resolve();
        };
      });
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      heartbeat = setInterval(() => void renew(), renewalInterval(policy.leaseMs));
      loop = run();
    },
    wake() {
      wakeUp?.();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
      await Promise.allSettled([...active]);
      if (heartbeat) clearInterval(heartbeat);
    },
  };
}
