/**
 * The webhook payloads of messages, built once and shared: every recipient of a message gets the same
 * bytes (D0 and A0 do not depend on who receives), unless its role sees an obfuscated payload. A message
 * is usually delivered to several endpoints within moments, so a bounded cache of recent payloads saves
 * reading and splicing the same message again for each.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import { ruleFor } from '../catalogue/rules.js';
import { compileObfuscator, type Obfuscator } from '../domain/obfuscation.js';
import type { ArchivedMessage } from '../domain/archive.js';
import type { DeliveryStore } from '../storage/ports.js';
import {
  addressing,
  dipBlock,
  egressElement,
  replayElementParts,
  withDipBlocksParts,
  type ReplayWrapper,
} from './egress.js';
import type { TicketUrl } from '../domain/ticket.js';

/** One message's element of a webhook call, as built for one role. */
export interface WebhookPayload {
  /** `{"payload": …}` as sent. */
  element: Buffer;
  /** The message, without its payload: what status messages and the journal need. */
  message: ArchivedMessage;
}

const EMPTY = Buffer.alloc(0);

/** Spelled out: V8 gives `{ ...m, payload }` objects no shared shape, which every payload would pay for. */
const withoutPayload = (m: ArchivedMessage): ArchivedMessage => ({
  seq: m.seq,
  transactionId: m.transactionId,
  channel: m.channel,
  eventCode: m.eventCode,
  schemaVersion: m.schemaVersion,
  senderUniqueReference: m.senderUniqueReference,
  senderId: m.senderId,
  senderRole: m.senderRole,
  dcpId: m.dcpId,
  callerId: m.callerId,
  correlationId: m.correlationId,
  senderCorrelationId: m.senderCorrelationId,
  mpan: m.mpan,
  receivedAt: m.receivedAt,
  requestId: m.requestId,
  payload: EMPTY,
  recipients: m.recipients,
});

/** A payload wanted: which message, on which channel, for which role. */
export interface WantedPayload {
  seq: number;
  channel: string;
  role: string | null;
  publicationId: string;
}

/** What each role may see of a channel's messages, compiled once per channel, event, version and role. */
function createRoleViews(catalogue: Catalogue) {
  const obfuscators = new Map<string, Obfuscator | null>();
  const hidesFrom = new Map<string, boolean>();

  const obfuscatorFor = (
    m: Pick<ArchivedMessage, 'channel' | 'eventCode' | 'schemaVersion'>,
    role: string | null,
  ): Obfuscator | null => {
    const key = `${m.channel}|${m.eventCode}|${m.schemaVersion}|${role}`;
    if (!obfuscators.has(key)) {
      const rule = catalogue.channels.get(m.channel);
      const pointers = rule && role ? (ruleFor(rule, m.eventCode).obfuscation[role] ?? []) : [];
      const leaf = catalogue.leaves.get(`${m.channel}|${m.eventCode}|${m.schemaVersion}`);
      // Fields to hide, but no schema of the message's version to find them by: sending the copy as it is
      // would show the role what it must not see, so it is not sent at all.
      if (pointers.length > 0 && !leaf)
        throw new Error(
          `no schema of ${m.channel} ${m.eventCode} version ${m.schemaVersion} is loaded, so its ${role} copies cannot be obfuscated: load the document that has it (--openapi)`,
        );
      obfuscators.set(
        key,
        pointers.length > 0 && leaf
          ? compileObfuscator(catalogue.documents[leaf.document]!, leaf.schemaName, pointers)
          : null,
      );
    }
    return obfuscators.get(key)!;
  };

  /** Whether the channel hides anything from the role, for any event: known before the message is read. */
  const hides = (channel: string, role: string | null): boolean => {
    const key = `${channel}|${role}`;
    let v = hidesFrom.get(key);
    if (v === undefined) {
      const rule = catalogue.channels.get(channel);
      v =
        !!rule &&
        !!role &&
        [rule.obfuscation, ...Object.values(rule.events).map((e) => e.obfuscation ?? {})].some(
          (o) => (o[role] ?? []).length > 0,
        );
      hidesFrom.set(key, v);
    }
    return v;
  };

  return { obfuscatorFor, hides };
}

export function createPayloadBuilder(
  catalogue: Catalogue,
  store: Pick<DeliveryStore, 'messagesBySeq'>,
  maxBytes = 128 * 1024 * 1024,
  ticketUrl: TicketUrl = () => null,
) {
  const { obfuscatorFor, hides } = createRoleViews(catalogue);
  const cache = new Map<string, WebhookPayload>();
  let bytes = 0;

  /** The payload as `role` receives it, in pieces: obfuscated for it, with A0 as resolved and D0 filled. */
  const egressPayload = (m: ArchivedMessage, role: string | null, publicationId: string, replay: boolean): Buffer[] => {
    const d0 = dipBlock(m, publicationId, { replay, serviceTicketUrl: ticketUrl(m.transactionId) });
    const obfuscate = obfuscatorFor(m, role);
    if (!obfuscate) return withDipBlocksParts(m.payload, addressing(m), d0);
    const obfuscated = obfuscate(JSON.parse(m.payload.toString('utf8')) as Record<string, unknown>);
    const common = obfuscated.CommonBlock as Record<string, unknown>;
    common.A0 = addressing(m);
    common.D0 = d0;
    return [Buffer.from(JSON.stringify(obfuscated))];
  };
  /** A replayed payload as pieces in order, for an answer that joins many. */
  const replayParts = (
    m: ArchivedMessage,
    role: string | null,
    publicationId: string,
    wrapper: ReplayWrapper,
  ): Buffer[] => replayElementParts(wrapper, egressPayload(m, role, publicationId, true));
  const build = (m: ArchivedMessage, role: string | null, publicationId: string): WebhookPayload => ({
    element: egressElement(Buffer.concat(egressPayload(m, role, publicationId, false))),
    message: withoutPayload(m),
  });

  const remember = (key: string, payload: WebhookPayload): void => {
    cache.set(key, payload);
    bytes += payload.element.length;
    for (const [k, v] of cache) {
      if (bytes <= maxBytes) break;
      cache.delete(k);
      bytes -= v.element.length;
    }
  };

  /** The cache key: the message, and the role when the channel hides anything from that role. */
  const keyOf = (w: WantedPayload): string => (hides(w.channel, w.role) ? `${w.seq}|${w.role}` : `${w.seq}|`);

  return {
    /** One message as `role` was sent it (obfuscated for it, A0 and D0 filled), read once, never cached. */
    asDelivered: (m: ArchivedMessage, role: string | null, publicationId: string): Buffer =>
      Buffer.concat(egressPayload(m, role, publicationId, false)),
    /**
     * A replayed payload (never cached: each has a wrapper of its own): exactly what `role` was sent, with
     * D0.replayIndicator set, inside the replay's transaction wrapper.
     */
    replay(m: ArchivedMessage, role: string | null, publicationId: string, wrapper: ReplayWrapper): WebhookPayload {
      return { element: Buffer.concat(replayParts(m, role, publicationId, wrapper)), message: withoutPayload(m) };
    },
    replayParts,
    /** The payloads for these (message, role) pairs, reading only the messages not in the cache. */
    async get(wanted: WantedPayload[]): Promise<WebhookPayload[]> {
      const missing = [...new Set(wanted.filter((w) => !cache.has(keyOf(w))).map((w) => w.seq))];
      const read = missing.length > 0 ? await store.messagesBySeq(missing) : new Map<number, ArchivedMessage>();
      return wanted.map((w) => {
        const key = keyOf(w);
        let payload = cache.get(key);
        if (!payload) {
          const m = read.get(w.seq);
          if (!m) throw new Error(`message ${w.seq} is not in the archive`);
          payload = build(m, w.role, w.publicationId);
          remember(key, payload);
        }
        return payload;
      });
    },
  };
}

export type PayloadBuilder = ReturnType<typeof createPayloadBuilder>;
