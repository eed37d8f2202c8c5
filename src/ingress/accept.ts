/**
 * acceptBatch: the send API's use case (seed §4.4.3). Split the body → examine each message (schema,
 * data checks) → SUR uniqueness → ids → one transaction for everything accepted plus the journal →
 * one response item per message.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ruleFor, type Catalogue, type ChannelRule, type JsonObject } from '../catalogue/catalogue.js';
import { correlationId, transactionId } from '../domain/ids.js';
import type { Caller, SenderBlock } from '../domain/model.js';
import { batchStatus, msgText, type MsgCode, type StandardResponse } from '../domain/responses.js';
import { formatCompactDate, formatDateTime, type Clock } from '../domain/time.js';
import type { RegistryView } from '../registry/registry.js';
import type { CallEvidence } from '../domain/evidence.js';
import {
  journalEntry,
  type ApiCall,
  type ArchivedMessage,
  type DerivedMessages,
  type JournalEntry,
} from '../domain/archive.js';
import type { IngestStore, MpanStore, Store } from '../storage/ports.js';
import { getProperty } from '../validation/canonical.js';
import type { SchemaRegistry } from '../validation/schemas.js';
import { entitlementProblem, mpanProblems, staticProblems } from './checks.js';
import { splitJsonArray } from '../domain/json-array.js';
import { archiveBytes, examineElement } from './examine.js';
import { requestFailure, responseItem, type Outcome } from '../domain/response-items.js';
import { addressAccepted } from './addressing.js';
import { registryChangesOf } from '../routing/registry-changes.js';
import type { RegistryChange } from '../routing/mpan-view.js';
import type { RoutingFacts } from '../routing/resolve.js';
import type { TicketUrl } from '../domain/ticket.js';

/**
 * What the DIP itself answers to a channel's accepted messages (IF-015's consumption replay): the messages
 * it makes are committed with the request's, in the same transaction, or not at all.
 */
export type AcceptedHandler = (
  accepted: ArchivedMessage[],
  request: { now: number; requestId: string },
) => Promise<DerivedMessages>;

export interface IngressDeps {
  catalogue: Catalogue;
  schemas: SchemaRegistry;
  store: IngestStore & MpanStore & Pick<Store, 'searchMessages' | 'messagesBySeq'>;
  registry: () => RegistryView;
  /** The DIP's own participant id: the sender of the status messages it makes. */
  dipId: string;
  clock: Clock;
  environment: string;
  maxFutureMs: number;
  /** Most messages one request may carry (seed §4.4.1: 50,000). */
  maxMessages: number;
  /** Decode each ECS report's compressedReport and validate the report (refused MSG1001 with its path). */
  checkReports?: boolean;
  /** `CHANNEL|schemaVersion` pairs closed for ingress (refused MSG1001; still delivered and replayed). */
  closedVersions?: ReadonlySet<string>;
  randomHex: (bytes: number) => string;
  /** The audit and service-ticket URL of an accepted message's transaction. */
  ticketUrl?: TicketUrl;
  /** Handlers by channel, for channels the DIP answers itself. */
  onAccepted?: ReadonlyMap<string, AcceptedHandler>;
}

export interface SendRequest {
  channel: string;
  body: Buffer;
  caller: Caller;
  requestId: string;
  method: string;
  path: string;
  remote: string | null;
  startedAt: number;
  /** What the caller signed: committed with the call's record, so an accepted message never lacks it. */
  evidence: CallEvidence | null;
}

export interface SendResult {
  status: 201 | 207 | 400 | 413;
  response: StandardResponse;
  accepted: number;
}

interface Item extends Outcome {
  eventCode: string | null;
  mpan: string | null;
  candidate?: {
    s1: SenderBlock;
    schemaVersion: string;
    payload: Buffer;
    facts: RoutingFacts;
    changes: RegistryChange[];
  };
  seq?: number;
}

/** Schema help texts are costly to build; a request full of broken messages explains only the first ones. */
const EXPLAINED_FAILURES = 100;
/** Yield to other requests this often while working through a large batch. */
const YIELD_EVERY = 1000;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function reject(item: Item, code: MsgCode, help: string): void {
  item.code = code;
  item.help = help;
  item.correlationId = null;
  delete item.candidate;
}

function mpanOf(common: JsonObject): string | null {
  return str(getProperty(common.M0, 'MPANCore')) ?? str(getProperty(common.M1, 'principalMPAN'));
}

function primaryRecipients(common: JsonObject): string[] | null {
  const list = getProperty(common.A0, 'primaryRecipients');
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : null;
}

function distributorOf(common: JsonObject): string | null {
  return str(getProperty(common.M0, 'distributorDIPID')) ?? str(getProperty(common.M1, 'distributorDIPID'));
}

/** Examines every message; returns the items and how many failed schema validation. */
async function examineAll(
  deps: IngressDeps,
  req: SendRequest,
  split: { starts: number[]; ends: number[]; names: number[] },
  receivedAt: number,
) {
  const rule = deps.catalogue.channels.get(req.channel) as ChannelRule;
  const registry = deps.registry();
  const staticCtx = {
    channel: req.channel,
    environment: deps.environment,
    now: receivedAt,
    maxFutureMs: deps.maxFutureMs,
  };
  const items: Item[] = [];
  let schemaFailures = 0;
  let firstSchemaFailure = -1;
  for (let i = 0; i < split.starts.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
    const ref = { body: req.body, start: split.starts[i]!, end: split.ends[i]!, names: split.names[i]! };
    const e = examineElement(deps.catalogue, deps.schemas, req.channel, ref, i, {
      explain: schemaFailures < EXPLAINED_FAILURES,
      ...(deps.checkReports ? { checkReports: true } : {}),
      ...(deps.closedVersions ? { closed: deps.closedVersions } : {}),
    });
    const item: Item = {
      code: null,
      help: null,
      transactionId: null,
      sur: e.sur,
      senderId: e.senderId,
      dcpId: e.dcpId,
      recipientId: null,
      correlationId: null,
      eventCode: null,
      mpan: null,
    };
    items.push(item);
    if (e.kind === 'unreadable' || e.kind === 'schema') {
      reject(item, 'MSG1001', e.kind === 'schema' ? e.problems.join('; ') : e.problem);
      schemaFailures++;
      if (firstSchemaFailure < 0) firstSchemaFailure = i;
      continue;
    }
    if (e.kind === 'interface') {
      reject(item, 'MSG1002', e.help);
      continue;
    }
    const common = e.payload.CommonBlock as JsonObject;
    const s0 = common.S0 as JsonObject;
    item.eventCode = s0.eventCode as string;
    item.mpan = mpanOf(common);
    const primaries = primaryRecipients(common);
    item.recipientId = primaries?.[0] ?? null;
    item.correlationId = e.s1.senderCorrelationID;
    // Who sends is judged before what is sent: a sender that may not send this has nothing to correct in its data.
    const problem =
      staticProblems(e.s1, staticCtx)[0] ??
      entitlementProblem(e.s1, {
        channel: req.channel,
        eventCode: item.eventCode,
        rule,
        caller: req.caller,
        registry,
      }) ??
      mpanProblems(e.payload, e.mpanFields)[0];
    if (problem) {
      reject(item, problem.code, problem.help);
      continue;
    }
    // Once a schema failure has condemned the request there is no point holding payloads.
    const payload = schemaFailures > 0 ? Buffer.alloc(0) : archiveBytes(e);
    const facts: RoutingFacts = {
      primaryRecipients: primaries,
      mpan: item.mpan,
      distributor: distributorOf(common),
      senderId: e.s1.senderDIPID,
      senderRole: e.s1.senderRoleID,
    };
    const changes = registryChangesOf(rule, {
      eventCode: item.eventCode,
      senderId: e.s1.senderDIPID,
      senderRole: e.s1.senderRoleID,
      mpan: item.mpan,
      receivedAt,
      payload: e.payload,
    });
    item.candidate = { s1: e.s1, schemaVersion: s0.schemaVersion as string, payload, facts, changes };
  }
  return { items, schemaFailures, firstSchemaFailure };
}

/** Rejects SURs repeated within the request or accepted before. */
async function rejectDuplicates(store: IngestStore, items: Item[]): Promise<void> {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    if (!item.candidate) return;
    const earlier = seen.get(item.sur!);
    if (earlier !== undefined)
      reject(
        item,
        'MSG1006',
        `senderUniqueReference '${item.sur}' is also used by message ${earlier} of this request; every message needs its own`,
      );
    else seen.set(item.sur!, i);
  });
  const existing = await store.existingReferences([...seen.keys()]);
  for (const item of items) {
    if (item.candidate && existing.has(item.sur!)) {
      reject(
        item,
        'MSG1006',
        `senderUniqueReference '${item.sur}' was already accepted by the DIP; every message needs a new one`,
      );
    }
  }
}

/** Gives each accepted message its transaction id and, where the channel says so, a correlation id. */
async function assignIds(
  deps: IngressDeps,
  req: SendRequest,
  candidates: Item[],
  receivedAt: number,
): Promise<ArchivedMessage[]> {
  if (candidates.length === 0) return [];
  const rule = deps.catalogue.channels.get(req.channel) as ChannelRule;
  const date = formatCompactDate(receivedAt);
  let seq = await deps.store.reserveSequence(candidates.length, receivedAt);
  return candidates.map((item) => {
    const { s1, schemaVersion, payload } = item.candidate!;
    const correlationRule = ruleFor(rule, item.eventCode!).correlation;
    const dipCorrelation =
      correlationRule === 'create'
        ? correlationId(date, deps.randomHex(16))
        : correlationRule === 'copy'
          ? s1.senderCorrelationID
          : null;
    item.correlationId = correlationRule === 'create' ? dipCorrelation : s1.senderCorrelationID;
    item.seq = seq++;
    item.transactionId = transactionId(req.channel, s1.senderDIPID, s1.senderRoleID, date, item.seq);
    return {
      seq: item.seq,
      transactionId: item.transactionId,
      channel: req.channel,
      eventCode: item.eventCode!,
      schemaVersion,
      senderUniqueReference: s1.senderUniqueReference,
      senderId: s1.senderDIPID,
      senderRole: s1.senderRoleID,
      dcpId: s1.DIPConnectionProviderID,
      callerId: req.caller.dipId,
      correlationId: dipCorrelation,
      senderCorrelationId: s1.senderCorrelationID,
      mpan: item.mpan,
      receivedAt,
      requestId: req.requestId,
      payload,
      recipients: null,
    };
  });
}

/** The refused messages of a request by code, or null when it refused none. */
function rejectionsOf(items: Item[]): Record<string, number> | null {
  const tally: Record<string, number> = {};
  for (const item of items) if (item.code !== null) tally[item.code] = (tally[item.code] ?? 0) + 1;
  return Object.keys(tally).length > 0 ? tally : null;
}

/** The Inbound journal entry of every message that can be found again: accepted, or rejected with a SUR. */
function journalOf(items: Item[], channel: string, at: number, status: number, durationMs: number): JournalEntry[] {
  return items
    .filter((item) => item.code === null || item.sur !== null)
    .map((item) => {
      const accepted = item.code === null;
      const subject = {
        messageSeq: accepted ? item.seq! : null,
        transactionId: accepted ? item.transactionId : null,
        senderUniqueReference: item.sur,
        channel,
        eventCode: item.eventCode,
        senderId: item.senderId,
        mpan: item.mpan,
        correlationId: item.correlationId,
      };
      return journalEntry(at, subject, {
        stage: 'Inbound',
        status: accepted ? 'GoodToGo' : 'InboundRuleFailure',
        statusCode: accepted ? 201 : status,
        message: msgText(item.code ?? 'MSG0000'),
        reason: item.help,
        durationMs,
      });
    });
}

export async function acceptBatch(deps: IngressDeps, req: SendRequest): Promise<SendResult> {
  const { clock, store } = deps;
  const receivedAt = clock.now();
  const call = (status: number, messages: number, accepted: number, outcome: string): ApiCall => ({
    at: receivedAt,
    requestId: req.requestId,
    callerId: req.caller.dipId,
    method: req.method,
    path: req.path,
    channel: req.channel,
    status,
    messages,
    accepted,
    durationMs: Math.max(0, clock.now() - req.startedAt),
    remote: req.remote,
    outcome,
    evidence: req.evidence,
  });

  const split = splitJsonArray(req.body, deps.maxMessages);
  if (!split.ok || split.starts.length === 0) {
    const [status, code, help]: [400 | 413, MsgCode, string] = split.ok
      ? [400, 'MSG5002', 'the request contains no messages; send [ {"payload": {...}}, ... ]']
      : split.tooMany
        ? [413, 'MSG1000', `${split.problem}; send at most ${deps.maxMessages} per request`]
        : split.tooDeep
          ? [400, 'MSG1001', `the request body is ${split.problem}`]
          : split.problem === 'the request body is empty'
            ? [400, 'MSG5002', split.problem]
            : [400, 'MSG1001', `the request body is not valid JSON: ${split.problem}`];
    await store.recordCall(call(status, 0, 0, `${code}: ${help}`));
    return { status, response: requestFailure(req.caller.dipId, code, help, receivedAt), accepted: 0 };
  }

  const { items, schemaFailures, firstSchemaFailure } = await examineAll(deps, req, split, receivedAt);
  if (schemaFailures > 0) {
    for (const item of items) {
      if (item.candidate) {
        reject(
          item,
          'MSG1000',
          `not accepted: ${schemaFailures} message(s) of this request failed schema validation (the first is message ${firstSchemaFailure}); one schema failure rejects the whole request, so correct it and resend all`,
        );
      }
    }
  } else {
    await rejectDuplicates(store, items);
  }

  const candidates = items.filter((item) => item.candidate);
  const messages = await assignIds(deps, req, candidates, receivedAt);
  const status = batchStatus(messages.length, items.length);
  const journal = journalOf(items, req.channel, receivedAt, status, Math.max(0, clock.now() - req.startedAt));
  if (messages.length > 0) {
    const routed = await addressAccepted(
      messages.map((message, i) => ({
        message,
        facts: candidates[i]!.candidate!.facts,
        changes: candidates[i]!.candidate!.changes,
      })),
      {
        rule: deps.catalogue.channels.get(req.channel) as ChannelRule,
        registry: deps.registry(),
        store,
        dipId: deps.dipId,
        now: receivedAt,
        ticketUrl: deps.ticketUrl,
      },
    );
    const handler = deps.onAccepted?.get(req.channel);
    const replayed = handler
      ? await handler(messages, { now: receivedAt, requestId: req.requestId })
      : { messages: [], deliveries: [], journal: [], derivedFrom: new Map<number, number>() };
    const { duplicates } = await store.acceptBatch({
      messages: [...messages, ...replayed.messages],
      journal: [...journal, ...routed.journal, ...replayed.journal],
      call: { ...call(status, items.length, messages.length, 'accepted'), rejections: rejectionsOf(items) },
      deliveries: [...routed.deliveries, ...replayed.deliveries],
      statusMessages: routed.statusMessages,
      registryChanges: routed.registryChanges,
      derivedFrom: replayed.derivedFrom,
    });
    for (const item of candidates) {
      if (duplicates.has(item.sur!))
        reject(
          item,
          'MSG1006',
          `senderUniqueReference '${item.sur}' was accepted by the DIP in another request at the same moment`,
        );
    }
  } else {
    await store.recordCall(
      { ...call(status, items.length, 0, 'none accepted'), rejections: rejectionsOf(items) },
      journal,
    );
  }

  const accepted = items.filter((item) => item.code === null).length;
  const sentTimestamp = formatDateTime(receivedAt);
  return {
    status: batchStatus(accepted, items.length),
    response: {
      messageArray: items.map((item) => responseItem(item, req.caller.dipId, sentTimestamp, deps.ticketUrl)),
      timestamp: formatDateTime(clock.now()),
    },
    accepted,
  };
}
