/**
 * Support for crash tests: DIP processes that are killed with SIGKILL and started again, clients that send
 * IF-021 batches without pause to whichever of them are up, and a ledger of what the DIP acknowledged and
 * what each recipient's webhook received, from which the test proves at-least-once delivery.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StandardResponseItem } from '../../src/domain/responses.js';
import type { DemoMarketFile, DemoParticipant } from '../../src/demo/market.js';
import { startSink } from '../../src/sink/sink.js';
import { type ReceivedCall, type Sink } from '../../src/sink/types.js';
import { demoPoster, freshCopies, type Exit, type Message, type ServerProcess, type SignedPoster } from './support.js';

/** Sub-millisecond epoch time, shared by the sink and the kills, so that "before" and "after" a kill are exact. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

/** Resolves once `check` holds; otherwise fails by `deadline` (epoch ms) saying what did not happen. */
export async function until(
  check: () => boolean | Promise<boolean>,
  deadline: number,
  what: string | (() => string),
  pollMs = 50,
): Promise<void> {
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${typeof what === 'string' ? what : what()} did not happen in time`);
    await sleep(pollMs);
  }
}

export const pick = <T>(xs: readonly T[]): T => xs[randomInt(xs.length)]!;

/** One DIP process at a time under one name: started, killed with SIGKILL, started again. */
export interface Slot {
  name: string;
  /** The running process; null while it is down. */
  server: ServerProcess | null;
  /** A client signed as the sender, for the running process; null while it is down or for a worker. */
  poster: SignedPoster | null;
  /** Every process this slot ran, in order. */
  history: ServerProcess[];
  start(): Promise<ServerProcess>;
  /** SIGKILL, then waits for the process to be gone. */
  kill(): Promise<Exit>;
  /** SIGTERM, for the end of a test. */
  stop(): Promise<void>;
}

export function processSlot(
  name: string,
  launch: (restart: boolean) => Promise<ServerProcess>,
  sender?: () => DemoParticipant,
): Slot {
  const slot: Slot = {
    name,
    server: null,
    poster: null,
    history: [],
    async start() {
      const s = await launch(slot.history.length > 0);
      slot.history.push(s);
      slot.server = s;
      slot.poster = s.baseUrl && sender ? demoPoster(s.baseUrl, sender()) : null;
      return s;
    },
    async kill() {
      const s = slot.server;
      if (!s) throw new Error(`${name} is not running`);
      slot.server = null;
      const poster = slot.poster;
      slot.poster = null;
      s.child.kill('SIGKILL');
      const exit = await s.exited;
      // Its requests in flight fail with the connection; the client is of no more use.
      void poster?.close().catch(() => undefined);
      return exit;
    },
    async stop() {
      const s = slot.server;
      slot.server = null;
      await slot.poster?.close().catch(() => undefined);
      slot.poster = null;
      await s?.stop();
    },
  };
  return slot;
}

/** The demo market's own IF-021 sample (the demo MPAN, so it routes to the MPAN's services and the central ones). */
export const demoSamples = (dataDir: string): Message[] =>
  JSON.parse(readFileSync(join(dataDir, 'demo', 'samples', 'IF-021.json'), 'utf8')) as Message[];

export const participant = (market: DemoMarketFile, dipId: string): DemoParticipant => {
  const p = market.participants.find((x) => x.dipId === dipId);
  if (!p) throw new Error(`no demo participant ${dipId}`);
  return p;
};

/**
 * Who the DIP routes the sample to, read from the audit record of one message sent for the purpose
 * (its transaction id is returned so the test can leave it out: it went to the demo's own receiver).
 */
export async function routedRecipients(
  poster: SignedPoster,
  templates: Message[],
): Promise<{ transactionId: string; recipients: string[] }> {
  const sent = await poster.post('IF-021', JSON.stringify(freshCopies(templates, 1)));
  const transactionId = sent.json.messageArray?.[0]?.transactionID;
  if (sent.status !== 201 || !transactionId)
    throw new Error(`the probe message was not accepted: ${sent.status} ${sent.text.slice(0, 300)}`);
  const record = await poster.call('GET', `/audit/messages/${encodeURIComponent(transactionId)}`);
  if (record.status !== 200)
    throw new Error(`no audit record of the probe: ${record.status} ${record.text.slice(0, 300)}`);
  const { message } = JSON.parse(record.text) as { message: { recipients: { dipId: string }[] } };
  return { transactionId, recipients: [...new Set(message.recipients.map((r) => r.dipId))].sort() };
}

/** Points each recipient's IF-021 webhook at `${sinkUrl}/{dipId}`, configured (and signed) by the recipient itself. */
export async function subscribe(
  baseUrl: string,
  market: DemoMarketFile,
  recipients: string[],
  sinkUrl: string,
  maxMessageCount: number,
): Promise<void> {
  for (const id of recipients) {
    const client = demoPoster(baseUrl, participant(market, id));
    try {
      const r = await client.call(
        'POST',
        `/dip-channel/IF-021/pubconfig/${id}`,
        JSON.stringify({ callbackURL: `${sinkUrl}/${id}`, maxMessageCount }),
      );
      if (r.status !== 201) throw new Error(`pubconfig for ${id}: ${r.status} ${r.text.slice(0, 300)}`);
    } finally {
      await client.close();
    }
  }
}

/** One webhook call the sink answered. */
interface Arrival {
  recipient: string;
  /** recipient|role of each copy, with its transaction id. */
  keys: string[];
  /** When the sink had read the call, and how many kills had happened when it answered. */
  at: number;
  answeredAfterKills: number;
}

export interface Kill {
  label: string;
  at: number;
  /** No process was left delivering, so every call in flight goes unanswered and must be sent again. */
  allDeliverers: boolean;
  /** Webhook calls the sink had read and not yet answered: the killed process never hears their answer. */
  inFlight: number;
}

export interface Tally {
  acknowledged: number;
  /** Copies received by the webhooks, counting repeats. */
  received: number;
  /** Copies received more than once (the same transaction to the same recipient and role). */
  duplicates: number;
  /** (message, recipient) pairs acknowledged and routed but never received, with a few examples. */
  lost: number;
  lostExamples: string[];
  /** Recipients named in A0 that the test did not subscribe: their copies went elsewhere. */
  strangers: string[];
  /** Messages received that no answer acknowledged: committed, but the kill took the answer. */
  unacknowledgedDelivered: number;
  /** Calls the sink refused or could not read, by status. */
  refusedCalls: Record<string, number>;
}

/** The recipients' webhook receiver and the ledger: what was acknowledged, what arrived, what is still owed. */
export interface Ledger {
  sink: Sink;
  /** Who must receive every message (from routedRecipients). */
  expect(recipients: string[]): void;
  acknowledge(items: StandardResponseItem[]): void;
  /** Leaves a message out of every check. */
  ignore(transactionId: string): void;
  /** Call at the instant of a kill, before the signal. */
  markKill(label: string, allDeliverers: boolean): Kill;
  kills: Kill[];
  /** Acknowledged (message, recipient) pairs not yet received, per recipient. */
  outstanding(): Map<string, number>;
  outstandingCount(): number;
  acknowledgedCount(): number;
  /** When the first call to `recipient` read after `from` arrived; null while none has. */
  firstArrival(recipient: string, from: number): number | null;
  /** Copies in calls in flight at a kill of every deliverer, and those of them not received again afterwards. */
  resentAfterKills(): { calls: number; copies: number; notResent: string[] };
  tally(): Tally;
}

const blockOf = (x: unknown, key: string): Record<string, unknown> | undefined =>
  x !== null && typeof x === 'object'
    ? ((x as Record<string, unknown>)[key] as Record<string, unknown> | undefined)
    : undefined;

export async function startLedger(caPem: string): Promise<Ledger> {
  let expected: string[] = [];
  const acked = new Set<string>();
  const ignored = new Set<string>();
  /** transaction → recipients it reached; transaction|recipient|role → times received. */
  const reached = new Map<string, Set<string>>();
  const times = new Map<string, number>();
  /** transaction → recipients its A0 names. */
  const routed = new Map<string, Set<string>>();
  /** transaction|recipient pairs acknowledged and not yet received. */
  const owed = new Set<string>();
  const arrivals: Arrival[] = [];
  const kills: Kill[] = [];
  const refused: Record<string, number> = {};
  let received = 0;

  const onCall = (c: ReceivedCall): void => {
    const mpo = (c.mpo ?? {}) as { dipId?: string; role?: string };
    if (c.status !== 201 || c.kind !== 'messages' || !mpo.dipId) {
      refused[String(c.status)] = (refused[String(c.status)] ?? 0) + 1;
      return;
    }
    const recipient = mpo.dipId;
    const keys: string[] = [];
    for (const item of c.items) {
      const common = blockOf(blockOf(item, 'payload'), 'CommonBlock');
      const txn = blockOf(common, 'D0')?.transactionID as string | undefined;
      if (!txn) continue;
      const a0 = blockOf(common, 'A0') as Record<string, string[]> | undefined;
      if (!routed.has(txn) && a0)
        routed.set(
          txn,
          new Set([...(a0.primaryRecipients ?? []), ...(a0.secondaryRecipients ?? []), ...(a0.always ?? [])]),
        );
      const key = `${txn}|${recipient}|${mpo.role ?? ''}`;
      keys.push(key);
      times.set(key, (times.get(key) ?? 0) + 1);
      let set = reached.get(txn);
      if (!set) reached.set(txn, (set = new Set()));
      set.add(recipient);
      owed.delete(`${txn}|${recipient}`);
      received++;
    }
    arrivals.push({ recipient, keys, at: c.at, answeredAfterKills: kills.length });
  };
  const sink = await startSink({ trustedCa: [caPem], keep: false, now: preciseNow, onCall });

  return {
    sink,
    kills,
    expect(recipients) {
      expected = [...recipients];
    },
    acknowledge(items) {
      for (const item of items) {
        const txn = item.transactionID;
        if (!txn || ignored.has(txn) || acked.has(txn)) continue;
        acked.add(txn);
        const got = reached.get(txn);
        for (const r of expected) if (!got?.has(r)) owed.add(`${txn}|${r}`);
      }
    },
    ignore(transactionId) {
      ignored.add(transactionId);
      acked.delete(transactionId);
    },
    markKill(label, allDeliverers) {
      const kill = { label, at: preciseNow(), allDeliverers, inFlight: sink.inFlight() };
      kills.push(kill);
      return kill;
    },
    outstanding() {
      const per = new Map<string, number>(expected.map((r) => [r, 0]));
      for (const pair of owed) {
        const r = pair.slice(pair.lastIndexOf('|') + 1);
        per.set(r, (per.get(r) ?? 0) + 1);
      }
      return per;
    },
    outstandingCount: () => owed.size,
    acknowledgedCount: () => acked.size,
    firstArrival(recipient, from) {
      let first: number | null = null;
      for (const a of arrivals)
        if (a.recipient === recipient && a.at >= from && (first === null || a.at < first)) first = a.at;
      return first;
    },
    resentAfterKills() {
      let calls = 0;
      let copies = 0;
      const notResent: string[] = [];
      kills.forEach((k, i) => {
        if (!k.allDeliverers) return;
        // Read before the kill, answered after it: the process that sent them died waiting for the answer.
        for (const a of arrivals.filter((x) => x.at < k.at && x.answeredAfterKills > i)) {
          calls++;
          for (const key of a.keys) {
            if (ignored.has(key.slice(0, key.indexOf('|')))) continue;
            copies++;
            if ((times.get(key) ?? 0) < 2) notResent.push(`${key} (in flight at ${k.label})`);
          }
        }
      });
      return { calls, copies, notResent };
    },
    tally() {
      const lostExamples: string[] = [];
      let lost = 0;
      const strangers = new Set<string>();
      for (const txn of acked) {
        // Addressed to whoever A0 names on the copies that arrived; a message that reached nobody is owed to all.
        const to = routed.get(txn) ?? new Set(expected);
        for (const r of to) {
          if (!expected.includes(r)) strangers.add(r);
          if (reached.get(txn)?.has(r)) continue;
          lost++;
          if (lostExamples.length < 10) lostExamples.push(`${txn} → ${r}`);
        }
      }
      let duplicates = 0;
      for (const [key, n] of times) if (!ignored.has(key.slice(0, key.indexOf('|')))) duplicates += n - 1;
      const unacknowledgedDelivered = [...reached.keys()].filter((txn) => !acked.has(txn) && !ignored.has(txn)).length;
      return {
        acknowledged: acked.size,
        received,
        duplicates,
        lost,
        lostExamples,
        strangers: [...strangers],
        unacknowledgedDelivered,
        refusedCalls: { ...refused },
      };
    },
  };
}

export interface TrafficReport {
  requests: number;
  acknowledgedBatches: number;
  /** Requests that got no answer (refused or cut off by a kill): nothing of them was acknowledged. */
  unanswered: number;
  /** Answers other than 201: none is expected from a live DIP. */
  unexpected: string[];
}

/**
 * `clients` clients sending batches of `batch` fresh copies of `templates`, each to a process picked from
 * `targets()` at the moment, without pause, until stop(). Every acknowledged item goes to the ledger.
 */
export interface Traffic {
  /** Requests sent through this client and not yet answered. */
  inFlightTo(poster: SignedPoster | null): number;
  stop(): Promise<TrafficReport>;
}

export function startTraffic(o: {
  clients: number;
  batch: number;
  templates: Message[];
  targets: () => SignedPoster[];
  ledger: Ledger;
}): Traffic {
  const report: TrafficReport = { requests: 0, acknowledgedBatches: 0, unanswered: 0, unexpected: [] };
  const inFlight = new Map<SignedPoster, number>();
  let running = true;
  const client = async (): Promise<void> => {
    while (running) {
      const live = o.targets();
      if (live.length === 0) {
        await sleep(20);
        continue;
      }
      const body = JSON.stringify(freshCopies(o.templates, o.batch));
      report.requests++;
      const target = pick(live);
      inFlight.set(target, (inFlight.get(target) ?? 0) + 1);
      let r: Awaited<ReturnType<SignedPoster['post']>>;
      try {
        r = await target.post('IF-021', body).finally(() => inFlight.set(target, inFlight.get(target)! - 1));
      } catch (e) {
        // An answer that is not JSON is a DIP's fault; no answer at all is what a kill does to a request.
        if (e instanceof SyntaxError) report.unexpected.push(`an answer that is not JSON: ${e.message}`);
        else report.unanswered++;
        await sleep(20);
        continue;
      }
      if (r.status === 201 || r.status === 207) o.ledger.acknowledge(r.json.messageArray);
      if (r.status === 201) report.acknowledgedBatches++;
      else report.unexpected.push(`HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    }
  };
  const clients = Array.from({ length: o.clients }, client);
  return {
    inFlightTo: (poster) => (poster ? (inFlight.get(poster) ?? 0) : 0),
    async stop() {
      running = false;
      await Promise.all(clients);
      return report;
    },
  };
}

/** Seconds with one decimal, for diagnostics. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
