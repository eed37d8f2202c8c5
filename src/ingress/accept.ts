/**
 * acceptBatch: the send API's use case (seed §4.4.3). Split → per message: parse, schema, data checks →
 * ids → one transaction for everything accepted plus the journal → one response item per message.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ruleFor, type Catalogue, type ChannelRule, type JsonObject } from '../catalogue/catalogue.js';
import { correlationId, transactionId } from '../domain/ids.js';
import type { Caller, SenderBlock } from '../domain/model.js';
import { batchStatus, clampHelp, msgText, type MsgCode, type StandardResponse, type StandardResponseItem } from '../domain/responses.js';
import { formatCompactDate, formatDateTime, type Clock } from '../domain/time.js';
import type { RegistryView } from '../registry/registry.js';
import type { ApiCall, ArchivedMessage, IngestStore, JournalEntry } from '../storage/ports.js';
import { getProperty } from '../validation/canonical.js';
import { checkPayload } from '../validation/message.js';
import type { SchemaRegistry } from '../validation/schemas.js';
import { entitlementProblem, staticProblems } from './checks.js';
import { splitJsonArray } from './envelope.js';

export interface IngressDeps {
  catalogue: Catalogue;
  schemas: SchemaRegistry;
  store: IngestStore;
  registry: () => RegistryView;
  clock: Clock;
  environment: string;
  maxFutureMs: number;
  randomHex: (bytes: number) => string;
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
}

export interface SendResult {
  status: 201 | 207 | 400;
  response: StandardResponse;
  accepted: number;
}

/** What the DIP knows of one submitted message as it goes through the checks. */
interface Item {
  sur: string | null;
  senderId: string | null;
  dcpId: string | null;
  recipientId: string | null;
  correlation: string | null;
  code: MsgCode | null;
  help: string | null;
  eventCode: string | null;
  mpan: string | null;
  candidate?: { s1: SenderBlock; schemaVersion: string; payload: Buffer };
  transactionId?: string;
  seq?: number;
}

/** Schema help texts are costly to build; a request full of broken messages explains only the first ones. */
const EXPLAINED_FAILURES = 100;
/** Yield to other requests this often while working through a large batch. */
const YIELD_EVERY = 1000;

const EMPTY = Buffer.alloc(0);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** What the response echoes of a message's sender, read before (and whatever) the schema says. */
function readSender(payload: unknown): { sur: string | null; senderId: string | null; dcpId: string | null } {
  const s1 = getProperty(getProperty(payload, 'CommonBlock'), 'S1');
  return {
    sur: str(getProperty(s1, 'senderUniqueReference')),
    senderId: str(getProperty(s1, 'senderDIPID')),
    dcpId: str(getProperty(s1, 'DIPConnectionProviderID')),
  };
}

function firstPrimaryRecipient(common: unknown): string | null {
  const list = getProperty(getProperty(common, 'A0'), 'primaryRecipients');
  return Array.isArray(list) ? str(list[0]) : null;
}

function mpanOf(common: unknown): string | null {
  return str(getProperty(getProperty(common, 'M0'), 'MPANCore')) ?? str(getProperty(getProperty(common, 'M1'), 'principalMPAN'));
}

const isSpace = (b: number | undefined): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * The payload exactly as the sender wrote it (the bytes it signed), as a view into the request body, when
 * the element is `{"payload": …}` and nothing else; null otherwise. No copy, no re-serialisation, and the
 * archive keeps what was received.
 */
function payloadBytes(element: unknown, text: string, body: Buffer, start: number, end: number): Buffer | null {
  const keys = Object.keys(element as object);
  if (keys.length !== 1 || keys[0] !== 'payload') return null;
  // The only key decodes to "payload", so it holds no raw ':' and the first colon separates it from its
  // value. Everything up to that colon and after the closing brace is ASCII: characters count as bytes.
  let from = start + text.indexOf(':') + 1;
  let to = end - (text.length - text.lastIndexOf('}'));
  while (from < to && isSpace(body[from])) from++;
  while (to > from && isSpace(body[to - 1])) to--;
  return body.subarray(from, to);
}

function reject(item: Item, code: MsgCode, help: string): void {
  item.code = code;
  item.help = clampHelp(help);
  delete item.candidate;
}

function toResponseItem(item: Item, caller: Caller, sentTimestamp: string): StandardResponseItem {
  const accepted = item.code === null;
  return {
    transactionID: accepted ? item.transactionId ?? null : null,
    senderUniqueReference: item.sur,
    correlationID: item.correlation,
    sentTimestamp,
    senderID: item.senderId?.length === 10 ? item.senderId : caller.dipId,
    recipientID: item.recipientId,
    DIPConnectionProviderID: item.dcpId,
    message: msgText(accepted ? 'MSG0000' : item.code!),
    help: accepted ? null : item.help,
    serviceTicketURL: null,
  };
}

/** A request that cannot be split into messages gets one response item describing what is wrong. */
export function requestFailure(caller: Caller | null, code: MsgCode, help: string, now: number, dipId: string): StandardResponse {
  const ts = formatDateTime(now);
  return {
    messageArray: [{
      transactionID: null, senderUniqueReference: null, correlationID: null, sentTimestamp: ts,
      senderID: caller?.dipId ?? dipId, recipientID: null, DIPConnectionProviderID: null,
      message: msgText(code), help: clampHelp(help), serviceTicketURL: null,
    }],
    timestamp: ts,
  };
}

export async function acceptBatch(deps: IngressDeps, req: SendRequest): Promise<SendResult> {
  const { catalogue, schemas, clock, store } = deps;
  const rule = catalogue.channels.get(req.channel) as ChannelRule;
  const registry = deps.registry();
  const receivedAt = clock.now();
  const sentTimestamp = formatDateTime(receivedAt);
  const call = (status: number, messages: number, accepted: number, outcome: string): ApiCall => ({
    at: receivedAt, requestId: req.requestId, callerId: req.caller.dipId, method: req.method, path: req.path, channel: req.channel,
    status, messages, accepted, durationMs: Math.max(0, clock.now() - req.startedAt), remote: req.remote, outcome,
  });

  const split = splitJsonArray(req.body);
  if (!split.ok || split.starts.length === 0) {
    const [code, help]: [MsgCode, string] = split.ok
      ? ['MSG5002', 'the request contains no messages; send [ {"payload": {...}}, ... ]']
      : split.problem === 'the request body is empty' ? ['MSG5002', split.problem] : ['MSG1001', `the request body is not valid JSON: ${split.problem}`];
    await store.recordCall(call(400, 0, 0, `${code}: ${help}`));
    return { status: 400, response: requestFailure(req.caller, code, help, receivedAt, req.caller.dipId), accepted: 0 };
  }

  const items: Item[] = [];
  let schemaFailures = 0;
  let firstSchemaFailure = -1;
  const staticCtx = { channel: req.channel, environment: deps.environment, now: receivedAt, maxFutureMs: deps.maxFutureMs };
  for (let i = 0; i < split.starts.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
    const item: Item = { sur: null, senderId: null, dcpId: null, recipientId: null, correlation: null, code: null, help: null, eventCode: null, mpan: null };
    items.push(item);
    const schemaFailure = (help: string): void => {
      reject(item, 'MSG1001', help);
      schemaFailures++;
      if (firstSchemaFailure < 0) firstSchemaFailure = i;
    };
    let element: unknown;
    const elementText = req.body.toString('utf8', split.starts[i], split.ends[i]);
    try {
      element = JSON.parse(elementText);
    } catch (e) {
      schemaFailure(`message ${i} is not valid JSON: ${(e as Error).message}`);
      continue;
    }
    const payload = element !== null && typeof element === 'object' && !Array.isArray(element) ? getProperty(element, 'payload') : undefined;
    if (payload === undefined) {
      schemaFailure(`message ${i} must be an object {"payload": {...}}`);
      continue;
    }
    Object.assign(item, readSender(payload));
    const verdict = checkPayload(catalogue, schemas, req.channel, payload, schemaFailures < EXPLAINED_FAILURES);
    if (verdict.kind === 'interface') {
      reject(item, 'MSG1002', verdict.help);
      continue;
    }
    if (verdict.kind === 'schema') {
      schemaFailure(verdict.problems.join('; '));
      continue;
    }
    const common = verdict.payload.CommonBlock as JsonObject;
    const s1 = common.S1 as SenderBlock;
    const eventCode = (common.S0 as JsonObject).eventCode as string;
    item.eventCode = eventCode;
    item.mpan = mpanOf(common);
    item.recipientId = firstPrimaryRecipient(common);
    item.correlation = s1.senderCorrelationID;
    const problem = staticProblems(s1, staticCtx)[0]
      ?? entitlementProblem(s1, { channel: req.channel, eventCode, rule, caller: req.caller, registry });
    if (problem) {
      reject(item, problem.code, problem.help);
      continue;
    }
    // Once a schema failure has condemned the request there is no point keeping payloads in memory.
    const bytes = schemaFailures > 0
      ? EMPTY
      : (verdict.payload === payload && payloadBytes(element, elementText, req.body, split.starts[i]!, split.ends[i]!))
        || Buffer.from(JSON.stringify(verdict.payload));
    item.candidate = { s1, schemaVersion: (common.S0 as JsonObject).schemaVersion as string, payload: bytes };
  }

  if (schemaFailures > 0) {
    for (const item of items) {
      if (item.candidate) {
        reject(item, 'MSG1000', `not accepted: ${schemaFailures} message(s) of this request failed schema validation (the first is message ${firstSchemaFailure}); one schema failure rejects the whole request, so correct it and resend all`);
      }
    }
  } else {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      if (!item.candidate) return;
      const earlier = seen.get(item.sur!);
      if (earlier !== undefined) reject(item, 'MSG1006', `senderUniqueReference '${item.sur}' is also used by message ${earlier} of this request; every message needs its own`);
      else seen.set(item.sur!, i);
    });
    const existing = await store.existingReferences([...seen.keys()]);
    for (const item of items) {
      if (item.candidate && existing.has(item.sur!)) {
        reject(item, 'MSG1006', `senderUniqueReference '${item.sur}' was already accepted by the DIP; every message needs a new one`);
      }
    }
  }

  const candidates = items.filter((item) => item.candidate);
  const status = batchStatus(candidates.length, items.length);
  const date = formatCompactDate(receivedAt);
  const messages: ArchivedMessage[] = [];
  const journal: JournalEntry[] = [];
  const baseEntry = { at: receivedAt, stage: 'Inbound' as const, channel: req.channel, recipient: null };
  if (candidates.length > 0) {
    let seq = await store.reserveSequence(candidates.length);
    for (const item of candidates) {
      const { s1, schemaVersion, payload } = item.candidate!;
      const correlationRule = ruleFor(rule, item.eventCode!).correlation;
      const dipCorrelation = correlationRule === 'create'
        ? correlationId(date, deps.randomHex(16))
        : correlationRule === 'copy' ? s1.senderCorrelationID : null;
      item.correlation = correlationRule === 'create' ? dipCorrelation : s1.senderCorrelationID;
      item.seq = seq;
      item.transactionId = transactionId(req.channel, s1.senderDIPID, s1.senderRoleID, date, seq);
      messages.push({
        seq, transactionId: item.transactionId, channel: req.channel, eventCode: item.eventCode!, schemaVersion,
        senderUniqueReference: s1.senderUniqueReference, senderId: s1.senderDIPID, senderRole: s1.senderRoleID,
        dcpId: s1.DIPConnectionProviderID, callerId: req.caller.dipId, correlationId: dipCorrelation,
        senderCorrelationId: s1.senderCorrelationID, mpan: item.mpan, receivedAt, requestId: req.requestId, payload,
      });
      seq++;
    }
  }
  const durationMs = Math.max(0, clock.now() - req.startedAt);
  for (const item of items) {
    const accepted = item.code === null;
    journal.push({
      ...baseEntry,
      status: accepted ? 'GoodToGo' : 'InboundRuleFailure',
      statusCode: accepted ? 201 : status,
      messageSeq: accepted ? item.seq! : null,
      transactionId: accepted ? item.transactionId! : null,
      senderUniqueReference: item.sur,
      eventCode: item.eventCode,
      senderId: item.senderId,
      mpan: item.mpan,
      correlationId: item.correlation,
      message: msgText(item.code ?? 'MSG0000'),
      reason: item.help,
      durationMs,
    });
  }

  if (messages.length > 0) {
    const { duplicates } = await store.acceptBatch({ messages, journal, call: call(status, items.length, messages.length, `${messages.length} accepted`) });
    for (const item of candidates) {
      if (duplicates.has(item.sur!)) reject(item, 'MSG1006', `senderUniqueReference '${item.sur}' was accepted by the DIP in another request at the same moment`);
    }
  } else {
    await store.recordCall(call(status, items.length, 0, 'none accepted'), journal);
  }

  const accepted = items.filter((item) => item.code === null).length;
  return {
    status: batchStatus(accepted, items.length),
    response: { messageArray: items.map((item) => toResponseItem(item, req.caller, sentTimestamp)), timestamp: formatDateTime(clock.now()) },
    accepted,
  };
}
