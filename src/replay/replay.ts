/**
 * Replay and requeue (seed §4.9; 2.2.1 facts §3.3-§3.5, §3.9-§3.11): a recipient, or its DIP Connection
 * Provider, asks again for what the DIP sent it. Replay answers in the response, a page at a time (200
 * when complete, 206 with a sealed X-Continuation-Token when more remain); requeue makes new copies for
 * the delivery engine and reports their progress. A recipient gets only what it was originally sent,
 * exactly as it was sent to it (obfuscated for its role), marked as a replay.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import { createPayloadBuilder } from '../delivery/payloads.js';
import { arrayParts } from '../delivery/egress.js';
import { STATUS_CHANNEL } from '../domain/delivery.js';
import { webhookFor } from '../delivery/webhooks.js';
import { WHOLE } from '../domain/entitlement.js';
import {
  openContinuation,
  requestFingerprint,
  sealContinuation,
  type ContinuationKeys,
} from '../domain/continuation.js';
import { replayCorrelationId, replayTransactionId } from '../domain/ids.js';
import type { MsgCode } from '../domain/responses.js';
import { retentionFor, retentionPlan, type Retention } from '../domain/retention.js';
import { formatCompactDate, formatDateTime, type Clock } from '../domain/time.js';
import {
  isMessageQuery,
  type ReplayCursor,
  type ReplayQuery,
  type Requeue,
  type RequeueProgress,
  type StatusReplayQuery,
} from '../domain/replay.js';
import type { Store } from '../storage/ports.js';
import { parseMessageRequest, parseStatusMessageRequest } from './request.js';
import type { TicketUrl } from '../domain/ticket.js';

/** Messages read from the archive at a time while a page is built. */
const CHUNK = 1_000;
const OPEN = Buffer.from('['),
  CLOSE = Buffer.from(']'),
  COMMA = Buffer.from(',');

export interface ReplayDeps {
  store: Pick<
    Store,
    'replayKeys' | 'replayStatuses' | 'messagesBySeq' | 'reserveSequence' | 'startRequeue' | 'requeues' | 'webhooks'
  >;
  /** Whether a webhook of the recipient, configured by someone, is in force for a role (registry/entitlement.ts). */
  webhookInForce: (recipientId: string) => (configuredBy: string, role: string) => boolean;
  catalogue: Catalogue;
  clock: Clock;
  /** Seal continuation tokens (current) and open them (current and retired); the same on every process of one DIP. */
  continuationKey: ContinuationKeys;
  /** Nothing older than its channel's retention is replayed or requeued. */
  retention: Retention;
  /** Most items in one replay answer (seed §4.9: 50,000). */
  pageSize: number;
  randomHex: (bytes: number) => string;
  /** The audit URL of a transaction, for D0.serviceTicketURL as the copy was first sent. */
  ticketUrl?: TicketUrl;
}

export type ReplayAnswer =
  | { status: 200 | 206; body: AsyncIterable<Buffer> | Buffer[]; count: number; continuation: string | null }
  | { status: 400; code: MsgCode; help: string };

export type RequeueAnswer =
  { status: 202; requeueId: string; count: number } | { status: 400 | 429; code: MsgCode; help: string };

interface Call {
  recipientId: string;
  /** The recipient's roles the caller acts in: only copies received in them are replayed or requeued. */
  roles: string[];
  body: Buffer;
  /** X-Continuation-Token, when the caller sent one. */
  continuation?: string | null;
}

const TOKEN_REFUSED =
  'X-Continuation-Token is not one this DIP issued for this request: send the same request with the token it answered';

/** Does a requeue cover only roles among `roles` (one made before roles were kept: the participant's own)? */
const within = (r: Requeue, roles: readonly string[]): boolean =>
  (r.roles ?? [WHOLE]).every((role) => roles.includes(role));

export function createReplay(deps: ReplayDeps) {
  const payloads = createPayloadBuilder(deps.catalogue, deps.store, 0, deps.ticketUrl);
  /** Status messages are kept as long as the messages they are about: the longest retention. */
  const notBefore = (channel: string | null): number =>
    deps.clock.now() -
    (channel === null ? retentionPlan(deps.retention, []).longestMs : retentionFor(deps.retention, channel));

  /** Where a continued request starts, or why its token is refused; undefined for a first request. */
  const resume = (call: Call, fingerprint: string): { after: unknown } | { refused: true } | undefined => {
    if (!call.continuation) return undefined;
    const c = openContinuation(deps.continuationKey, call.continuation, fingerprint, deps.clock.now());
    return c ? { after: c.after } : { refused: true };
  };

  /**
   * The query a requeue of this body runs, in the caller's roles that have a webhook: copies for a role with
   * none would wait for one, and hold up every later requeue of that role.
   */
  const requeueQuery = async (
    channel: string,
    call: Call,
  ): Promise<
    | { query: ReplayQuery | StatusReplayQuery; request: unknown; roles: string[] }
    | { status: 400; code: MsgCode; help: string }
  > => {
    const hooks = await deps.store.webhooks(call.recipientId, channel);
    const roles = call.roles.filter((role) => webhookFor(hooks, role, deps.webhookInForce(call.recipientId)) !== null);
    let query: ReplayQuery | StatusReplayQuery;
    let request: unknown;
    if (channel === STATUS_CHANNEL) {
      const parsed = parseStatusMessageRequest(call.body);
      if (!parsed.ok) return { status: 400, code: parsed.code ?? 'MSG1001', help: parsed.help };
      query = { recipientId: call.recipientId, roles, notBefore: notBefore(null), ...parsed.filter };
      request = parsed.request;
    } else {
      const parsed = parseMessageRequest(call.body);
      if (!parsed.ok) return { status: 400, code: parsed.code ?? 'MSG1001', help: parsed.help };
      query = { recipientId: call.recipientId, roles, channel, notBefore: notBefore(channel), ...parsed.filter };
      request = parsed.request;
    }
    if (roles.length === 0) {
      const path =
        channel === STATUS_CHANNEL
          ? `statusmessage/config/${call.recipientId}`
          : `dip-channel/${channel}/pubconfig/${call.recipientId}`;
      return {
        status: 400,
        code: 'MSG1000',
        help: `${call.recipientId} has no webhook for ${channel === STATUS_CHANNEL ? 'status messages' : channel} to requeue to, in the roles you act in: configure one (${path}), or replay instead`,
      };
    }
    return { query, request, roles };
  };

  return {
    /** POST /dip-channel/{id}/replay/{recipient-id}. */
    async messages(channel: string, call: Call): Promise<ReplayAnswer> {
      const parsed = parseMessageRequest(call.body);
      if (!parsed.ok) return { status: 400, code: parsed.code ?? 'MSG1001', help: parsed.help };
      const fingerprint = requestFingerprint('messages', channel, call.recipientId, JSON.stringify(parsed.request));
      const from = resume(call, fingerprint);
      if (from && 'refused' in from) return { status: 400, code: 'MSG1000', help: TOKEN_REFUSED };
      const query: ReplayQuery = {
        recipientId: call.recipientId,
        roles: call.roles,
        channel,
        notBefore: notBefore(channel),
        ...parsed.filter,
      };
      const keys = await deps.store.replayKeys(
        query,
        (from?.after as ReplayCursor | undefined) ?? null,
        deps.pageSize + 1,
      );
      const page = keys.slice(0, deps.pageSize);
      const now = deps.clock.now();
      const day = formatCompactDate(now);
      const correlationID = replayCorrelationId(day, deps.randomHex(8));
      const first = page.length > 0 ? await deps.store.reserveSequence(page.length, now) : 0;
      // The page is known (its keys); its messages are read, built and written a thousand at a time, so
      // the answer streams while it is built and never sits whole in memory.
      async function* body(): AsyncIterable<Buffer> {
        yield OPEN;
        let written = 0;
        for (let i = 0; i < page.length; i += CHUNK) {
          const chunk = page.slice(i, i + CHUNK);
          const archived = await deps.store.messagesBySeq([...new Set(chunk.map((k) => k.seq))]);
          const parts: Buffer[] = [];
          chunk.forEach((k, j) => {
            const m = archived.get(k.seq);
            if (!m) return; // purged between the two reads
            if (written++ > 0) parts.push(COMMA);
            parts.push(
              ...payloads.replayParts(m, k.role, k.publicationId ?? channel.replace(/^IF-/, 'PUB-'), {
                transactionID: replayTransactionId(channel, call.recipientId, k.role, day, first + i + j),
                correlationID,
                replayTimestamp: formatDateTime(now),
                originalTransactionID: m.transactionId,
              }),
            );
          });
          yield Buffer.concat(parts);
        }
        yield CLOSE;
      }
      const last = page.at(-1);
      const more = keys.length > page.length && last !== undefined;
      return {
        status: more ? 206 : 200,
        body: body(),
        count: page.length,
        continuation: more
          ? sealContinuation(
              deps.continuationKey,
              { request: fingerprint, after: { seq: last.seq, role: last.role } },
              deps.clock.now(),
            )
          : null,
      };
    },

    /** POST /statusmessage/replay/{recipient-id}: the status messages the DIP sent the recipient, as a bare array. */
    async statuses(call: Call): Promise<ReplayAnswer> {
      const parsed = parseStatusMessageRequest(call.body);
      if (!parsed.ok) return { status: 400, code: parsed.code ?? 'MSG1001', help: parsed.help };
      const fingerprint = requestFingerprint('statuses', call.recipientId, JSON.stringify(parsed.request));
      const from = resume(call, fingerprint);
      if (from && 'refused' in from) return { status: 400, code: 'MSG1000', help: TOKEN_REFUSED };
      const query: StatusReplayQuery = {
        recipientId: call.recipientId,
        roles: call.roles,
        notBefore: notBefore(null),
        ...parsed.filter,
      };
      const rows = await deps.store.replayStatuses(
        query,
        (from?.after as number | undefined) ?? null,
        deps.pageSize + 1,
      );
      const page = rows.slice(0, deps.pageSize);
      const more = rows.length > page.length;
      return {
        status: more ? 206 : 200,
        body: arrayParts(page.map((r) => Buffer.from(JSON.stringify(r.item)))),
        count: page.length,
        continuation: more
          ? sealContinuation(deps.continuationKey, { request: fingerprint, after: page.at(-1)!.id }, deps.clock.now())
          : null,
      };
    },

    /**
     * How many copies a replay of this body would return, counted up to `cap` (the portal shows it before
     * the replay runs): the query `messages` and `statuses` run, in the caller's roles.
     */
    async replayPreview(
      channel: string,
      call: Call,
      cap: number,
    ): Promise<{ status: 200; count: number; atLeast: boolean } | { status: 400; code: MsgCode; help: string }> {
      let n: number;
      if (channel === STATUS_CHANNEL) {
        const parsed = parseStatusMessageRequest(call.body);
        if (!parsed.ok) return { status: 400, code: parsed.code ?? 'MSG1001', help: parsed.help };
        const query = {
          recipientId: call.recipientId,
          roles: call.roles,
          notBefore: notBefore(null),
          ...parsed.filter,
        };
        n = (await deps.store.replayStatuses(query, null, cap + 1)).length;
      } else {
        const parsed = parseMessageRequest(call.body);
        if (!parsed.ok) return { status: 400, code: parsed.code ?? 'MSG1001', help: parsed.help };
        const query = {
          recipientId: call.recipientId,
          roles: call.roles,
          channel,
          notBefore: notBefore(channel),
          ...parsed.filter,
        };
        n = (await deps.store.replayKeys(query, null, cap + 1)).length;
      }
      return { status: 200, count: Math.min(n, cap), atLeast: n > cap };
    },

    /**
     * How many copies a requeue of this body would make, counted up to `cap` (the portal shows it before the
     * requeue starts): the same query and webhook check as the requeue itself.
     */
    async requeuePreview(
      channel: string,
      call: Call,
      cap: number,
    ): Promise<{ status: 200; count: number; atLeast: boolean } | { status: 400; code: MsgCode; help: string }> {
      const asked = await requeueQuery(channel, call);
      if ('status' in asked) return asked;
      const n = isMessageQuery(asked.query)
        ? (await deps.store.replayKeys(asked.query, null, cap + 1)).length
        : (await deps.store.replayStatuses(asked.query, null, cap + 1)).length;
      return { status: 200, count: Math.min(n, cap), atLeast: n > cap };
    },

    /**
     * POST /dip-channel/{id}/requeue/{recipient-id}, or /statusmessage/requeue/{recipient-id} with channel STATUS:
     * the copies of the caller's roles that have a webhook to go to.
     */
    async requeue(
      channel: string,
      call: Call & { requestedBy: string; journalReason?: string | null },
    ): Promise<RequeueAnswer> {
      const now = deps.clock.now();
      const id = `${call.recipientId}-${formatCompactDate(now)}-${deps.randomHex(8)}`;
      const asked = await requeueQuery(channel, call);
      if ('status' in asked) return asked;
      const { query, request, roles } = asked;
      const count = await deps.store.startRequeue(
        {
          id,
          recipientId: call.recipientId,
          channel,
          requestedBy: call.requestedBy,
          request,
          createdAt: now,
          roles,
          journalReason: call.journalReason ?? null,
        },
        query,
      );
      if (count === null) {
        // Named only when it is one of the caller's own roles' requeues that holds this one up.
        const current = (await deps.store.requeues(call.recipientId, channel, null)).find(
          (r) => r.pending > 0 && within(r, call.roles),
        );
        const what = channel === STATUS_CHANNEL ? 'status messages' : channel;
        return {
          status: 429,
          code: 'MSG1000',
          help: `requeue ${current?.id ?? '(starting)'} of ${call.recipientId} on ${what} is still in progress: one at a time; ask requeueStatus`,
        };
      }
      return { status: 202, requeueId: id, count };
    },

    /**
     * GET …/requeueStatus/{recipient-id}[?requeue-id=]: RequeueStatusArray, newest first, of the requeues all
     * of whose roles the caller acts in; empty when there is none.
     */
    async requeueStatus(
      channel: string,
      recipientId: string,
      requeueId: string | null,
      roles: string[],
    ): Promise<RequeueStatus[]> {
      const visible = (await deps.store.requeues(recipientId, channel, requeueId)).filter((r) => within(r, roles));
      return visible.map(requeueStatus);
    },
  };
}

export interface RequeueStatus {
  requeueId: string;
  percentComplete: number;
  totalTransactions: number;
  processedTransactions: number;
  status: 'Processing' | 'Completed' | 'Failed' | 'PartialCompletion';
}

/** A requeue's progress as the API reports it. Pure. */
export function requeueStatus(p: RequeueProgress): RequeueStatus {
  const processed = p.total - p.pending;
  const status =
    p.pending > 0 ? 'Processing' : p.failed === 0 ? 'Completed' : p.delivered === 0 ? 'Failed' : 'PartialCompletion';
  return {
    requeueId: p.id,
    percentComplete: p.total === 0 ? 100 : Math.floor((100 * processed) / p.total),
    totalTransactions: p.total,
    processedTransactions: processed,
    status,
  };
}
