/**
 * One endpoint's call: the payload of each delivery due (a requeued one as a replay), packed under the
 * webhook's limits, and sent with X-DIP-MPO naming the recipient.
 */
import type { ArchivedMessage } from '../domain/archive.js';
import { KB, nextBatch } from '../domain/batching.js';
import type { Endpoint, PendingDelivery, WebhookConfig } from '../domain/delivery.js';
import { replayCorrelationId, replayTransactionId } from '../domain/ids.js';
import { formatCompactDate, formatDateTime } from '../domain/time.js';
import type { RegistryView } from '../registry/registry.js';
import type { IngestStore, DeliveryStore } from '../storage/ports.js';
import type { CallResult } from './classify.js';
import { arrayParts, type ReplayWrapper } from './egress.js';
import type { PayloadBuilder, WebhookPayload } from './payloads.js';
import type { Sender } from './sender.js';

/** One delivery in a call. */
export interface BatchItem {
  d: PendingDelivery;
  /** What is sent for it: the payload's element, or the status item. */
  element: Buffer;
  bytes: number;
  /** The message, without its payload; null for a status item. */
  message: ArchivedMessage | null;
}

export interface BatchDeps {
  store: Pick<DeliveryStore, 'messagesBySeq'> & Pick<IngestStore, 'reserveSequence'>;
  payloads: PayloadBuilder;
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

/** The payloads of the message deliveries among `pending`, by delivery id. */
async function payloadsOf(
  deps: BatchDeps,
  endpoint: Endpoint,
  pending: PendingDelivery[],
  now: number,
): Promise<Map<number, WebhookPayload>> {
  const fresh = pending.filter((d) => d.kind === 'message' && d.requeueId === null);
  const built = await deps.payloads.get(
    fresh.map((d) => ({
      seq: d.messageSeq!,
      channel: endpoint.channel,
      role: d.role,
      publicationId: d.publicationId ?? endpoint.channel,
    })),
  );
  const payloadOf = new Map(fresh.map((d, i) => [d.id, built[i]!]));
  // Requeued copies go again as replays, each in a transaction wrapper of its own.
  const requeued = pending.filter((d) => d.kind === 'message' && d.requeueId !== null);
  if (requeued.length > 0) {
    const originals = await deps.store.messagesBySeq([...new Set(requeued.map((d) => d.messageSeq!))]);
    let sequence = await deps.store.reserveSequence(requeued.length, now);
    for (const d of requeued) {
      const m = originals.get(d.messageSeq!);
      if (!m) throw new Error(`message ${d.messageSeq} is not in the archive`);
      const wrapper = requeueWrapper(d, m, endpoint, now, sequence++);
      payloadOf.set(d.id, deps.payloads.replay(m, d.role, d.publicationId ?? endpoint.channel, wrapper));
    }
  }
  return payloadOf;
}

/** The next call's deliveries: a prefix of `pending`, in order, within the webhook's limits. */
export async function buildBatch(
  deps: BatchDeps,
  endpoint: Endpoint,
  webhook: WebhookConfig,
  pending: PendingDelivery[],
  now: number,
): Promise<BatchItem[]> {
  const payloadOf = await payloadsOf(deps, endpoint, pending, now);
  return nextBatch(
    pending.map((d): BatchItem => {
      if (d.kind === 'status') {
        const element = Buffer.from(JSON.stringify(d.statusItem));
        return { d, element, bytes: element.length, message: null };
      }
      const { element, message } = payloadOf.get(d.id)!;
      return { d, element, bytes: element.length, message };
    }),
    webhook.maxMessageCount,
    webhook.maxPayloadKb * KB,
  );
}

export interface SendDeps {
  sender: Sender;
  registry: () => RegistryView;
}

/** Posts the batch to the webhook; `body` is what was sent, in pieces. */
export async function sendBatch(
  deps: SendDeps,
  endpoint: Endpoint,
  webhook: WebhookConfig,
  batch: BatchItem[],
): Promise<{ body: Buffer[]; result: CallResult }> {
  const participant = deps.registry().participant(endpoint.recipientId);
  const body = arrayParts(batch.map((b) => b.element));
  const result = await deps.sender.post({
    url: webhook.callbackUrl,
    body,
    mpo: { dipId: endpoint.recipientId, role: endpoint.role || null, name: participant?.name ?? null },
  });
  return { body, result };
}
