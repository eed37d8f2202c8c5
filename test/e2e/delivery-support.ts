/**
 * Support for delivery tests: a clock the test moves by hand (the engine schedules retries and breaker
 * periods only from it), waits on the store's view of a copy, and small accessors for what webhooks got.
 */
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { StandardResponseItem } from '../../src/domain/responses.js';
import type { Sink } from '../../src/sink/types.js';
import { until } from '../helpers/until.js';
import type { Reply, TestDip } from '../helpers/dip.js';

export const SUP = '1000000001';
export const SUP2 = '1000000002';
export const MSS = '1300000001';
export const DCP = '1900000001';

/** Stands still unless the test moves it, so that no retry or breaker period ends behind the test's back. */
export interface ManualClock {
  now(): number;
  advance(ms: number): void;
}

export function manualClock(start = Date.now()): ManualClock {
  let at = start;
  return { now: () => at, advance: (ms) => void (at += ms) };
}

export { until } from '../helpers/until.js';

export type Copy = Awaited<ReturnType<TestDip['dip']['store']['deliveriesOf']>>[number];

/** The copies of the message with this SUR, one per (recipient, role). */
export async function copiesOf(t: TestDip, sur: string): Promise<Copy[]> {
  const m = await t.dip.store.messageByReference(sur);
  if (!m) throw new Error(`no archived message with SUR ${sur}`);
  return t.dip.store.deliveriesOf(m.seq);
}

/** The copy of `sur` for `recipient`, once `check` holds for it. */
export async function copyWhen(
  t: TestDip,
  sur: string,
  recipient: string,
  check: (c: Copy) => boolean,
  what: string,
): Promise<Copy> {
  let found: Copy | undefined;
  await until(
    async () => {
      found = (await copiesOf(t, sur)).find((c) => c.recipientId === recipient);
      return found !== undefined && check(found);
    },
    `${what} (copy of ${sur} for ${recipient}: ${JSON.stringify(found ?? null)})`,
  );
  return found!;
}

export const surOf = (m: { payload: Record<string, unknown> }): string =>
  (m.payload.CommonBlock as Record<string, Record<string, unknown>>).S1!.senderUniqueReference as string;

/** IF-004 is point to point: the supplier names the recipients, so no MPAN lookup is involved. */
export function if004(
  t: TestDip,
  clock: ManualClock,
  to: string[] = [MSS],
  count = 1,
): { payload: Record<string, unknown> }[] {
  return t.batch({ channel: 'IF-004', sender: SUP, role: 'SUP', primaryRecipients: to, at: clock.now() }, count);
}

/** Sends signed as of the manual clock, so a DIP whose clock was moved still accepts the signature. */
export function sendAt(t: TestDip, clock: ManualClock, as: string, channel: string, body: unknown): Promise<Reply> {
  return t.send({ as, channel, body, date: new Date(clock.now()).toISOString() });
}

/** Sends and insists on 201: these tests are about what happens after acceptance. */
export async function accept(
  t: TestDip,
  clock: ManualClock,
  as: string,
  channel: string,
  body: unknown,
): Promise<Reply> {
  const r = await sendAt(t, clock, as, channel, body);
  if (r.status !== 201) throw new Error(`expected 201, got ${r.status}: ${r.text}`);
  return r;
}

/** The transaction id of an egress element `{payload}`. */
export const txnOf = (element: unknown): string =>
  ((element as { payload: Record<string, Record<string, unknown>> }).payload.CommonBlock!.D0 as Record<string, unknown>)
    .transactionID as string;

/** Calls a sink answered on one path, in arrival order. */
export const callsTo = (sink: Sink, path: string) => sink.calls().filter((c) => c.path === path);

/** Status items a sink accepted about this transaction. */
export const statusesAbout = (sink: Sink, transactionId: string): StandardResponseItem[] =>
  (sink.statuses() as StandardResponseItem[]).filter((s) => s.transactionID === transactionId);

/** Connections that keep the ports closedPort() hands out from being listened on. */
const portHolders: Socket[] = [];

/**
 * A port on 127.0.0.1 that nothing listens on, and nothing can while this process runs: it is the local end
 * of a connection of ours. (A port taken and given back could be taken again by another test file's server.)
 */
export async function closedPort(): Promise<number> {
  const server = createServer((socket) => void portHolders.push(socket.unref()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  portHolders.push(client.unref());
  server.unref();
  return client.localPort!;
}

/** Registers a webhook signed as of the manual clock (t.subscribe signs with the wall clock). */
export function subscribeAt(
  t: TestDip,
  clock: ManualClock,
  as: string,
  channel: string,
  url: string,
  o: { recipient?: string; maxMessageCount?: number; maxPayloadSize?: number } = {},
): Promise<Reply> {
  const path =
    channel === 'STATUS'
      ? `/1.1/statusmessage/config/${o.recipient ?? as}`
      : `/1.1/dip-channel/${channel}/pubconfig/${o.recipient ?? as}`;
  const { recipient: _recipient, ...counts } = o;
  return t.send({
    as,
    channel,
    path,
    apiKey: null,
    date: new Date(clock.now()).toISOString(),
    body: { callbackURL: url, ...counts },
  });
}

/** A webhook server that reads each call and never answers it, as a hung participant gateway does. */
export interface Unresponsive {
  url: string;
  /** Calls that reached it. */
  received(): number;
  /** Ends the held calls and, from now on, drops every call as soon as it is read. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function unresponsive(): Promise<Unresponsive> {
  let count = 0;
  let dropping = false;
  const held = new Set<ServerResponse>();
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      if (dropping) req.socket.destroy();
      else held.add(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => count,
    dropAll() {
      dropping = true;
      for (const res of held) res.socket?.destroy();
      held.clear();
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
