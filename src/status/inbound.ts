/**
 * POST /{version}/statusmessage (seed §4.7, Level 4): a participant reports problems with messages it
 * received; each report is relayed to the original sender's status webhook. A participant (or its DIP
 * Connection Provider) may report only on messages the DIP addressed to it in a role the caller acts in.
 * All-or-nothing: one invalid report refuses the request, so a sender never gets half of what a recipient
 * meant to say.
 */
import type { Catalogue } from '../catalogue/catalogue.js';
import { parseSur } from '../domain/ids.js';
import { msgText, type MsgCode, type StandardResponse, type StandardResponseItem } from '../domain/responses.js';
import { formatDateTime, type Clock } from '../domain/time.js';
import type { RegistryView } from '../registry/registry.js';
import type { DeliveryStore } from '../storage/ports.js';
import type { NewStatusMessage } from '../domain/archive.js';
import type { SchemaRegistry } from '../validation/schemas.js';
import { requestFailure, responseItem } from '../domain/response-items.js';
import { parseJsonBody } from '../domain/json.js';

export interface StatusDeps {
  store: DeliveryStore;
  schemas: SchemaRegistry;
  catalogue: Catalogue;
  registry: () => RegistryView;
  clock: Clock;
  maxItems: number;
  /** The roles of `participantId` the caller acts in (registry/entitlement.ts). */
  rolesFor: (callerId: string, participantId: string) => string[];
}

type Verdict = { code: MsgCode; help: string } | { relay: NewStatusMessage };

export async function submitStatusMessages(
  deps: StatusDeps,
  callerId: string,
  body: Buffer,
): Promise<{ status: 201 | 400 | 413; response: StandardResponse; relayed: number }> {
  const now = deps.clock.now();
  const fail = (status: 400 | 413, code: MsgCode, help: string) => ({
    status,
    relayed: 0,
    response: requestFailure(callerId, code, help, now),
  });
  const parsed = parseJsonBody(body);
  if (!parsed.ok) return fail(400, 'MSG1001', `the body is ${parsed.problem}`);
  const items = parsed.value;
  if (!Array.isArray(items) || items.length === 0)
    return fail(400, 'MSG1001', 'the body must be a non-empty JSON array of StandardResponseBodyType items');
  if (items.length > deps.maxItems)
    return fail(413, 'MSG1000', `more than ${deps.maxItems} status messages in one request`);

  const schema = deps.schemas.forLeaf({
    document: deps.catalogue.documents.length - 1,
    schemaName: 'StandardResponseBodyType',
  });
  const verdicts: Verdict[] = [];
  for (const [i, raw] of items.entries()) {
    if (!schema.validate(raw)) {
      verdicts.push({ code: 'MSG1001', help: `status message ${i}: ${schema.explain(raw).join('; ')}` });
      continue;
    }
    const item = raw as StandardResponseItem;
    const roles = deps.rolesFor(callerId, item.senderID);
    if (roles.length === 0) {
      verdicts.push({
        code: 'MSG1009',
        help: `senderID ${item.senderID} is not ${callerId} or a participant it acts for`,
      });
      continue;
    }
    const message = item.transactionID === null ? null : await deps.store.messageByTransactionId(item.transactionID);
    const received = message ? await deps.store.rolesAddressed(message.seq, item.senderID) : [];
    if (!message || !received.some((r) => roles.includes(r))) {
      verdicts.push({
        code: 'MSG1000',
        help: `transactionID ${JSON.stringify(item.transactionID)} is not a message the DIP sent to ${item.senderID} in a role you act in; report only on messages received`,
      });
      continue;
    }
    if (item.recipientID !== message.senderId) {
      verdicts.push({
        code: 'MSG1000',
        help: `recipientID must be ${message.senderId}, the sender of ${message.transactionId}`,
      });
      continue;
    }
    verdicts.push({
      relay: { recipientId: message.senderId, role: message.senderRole, messageSeq: message.seq, item },
    });
  }

  const refused = verdicts.some((v) => 'code' in v);
  if (!refused)
    await deps.store.addStatusMessages(
      verdicts.map((v) => (v as { relay: NewStatusMessage }).relay),
      now,
    );
  const sentTimestamp = formatDateTime(now);
  return {
    status: refused ? 400 : 201,
    relayed: refused ? 0 : verdicts.length,
    response: {
      messageArray: verdicts.map((v, i) => {
        // Echo only values of the shape the response schema allows (the request may be anything, null included).
        const raw: unknown = items[i];
        const item = (raw !== null && typeof raw === 'object' ? raw : {}) as Partial<StandardResponseItem>;
        const str = (x: unknown, max: number): string | null => (typeof x === 'string' && x.length <= max ? x : null);
        const ten = (x: unknown): string | null => (typeof x === 'string' && x.length === 10 ? x : null);
        const sur = str(item.senderUniqueReference, 200);
        const outcome =
          'code' in v
            ? v
            : refused
              ? { code: 'MSG1000' as MsgCode, help: 'not relayed: another status message of this request was refused' }
              : null;
        return {
          ...responseItem(
            {
              code: outcome?.code ?? null,
              help: outcome?.help ?? null,
              transactionId: str(item.transactionID, 65),
              sur: sur && parseSur(sur) ? sur : null,
              senderId: ten(item.senderID) ?? callerId,
              dcpId: null,
              recipientId: ten(item.recipientID),
              correlationId: str(item.correlationID, 60),
            },
            callerId,
            sentTimestamp,
          ),
          message: msgText(outcome?.code ?? 'MSG0000'),
        };
      }),
      timestamp: sentTimestamp,
    },
  };
}
