/**
 * How a participant's webhook answers one call from the DIP (seed §4.6.6): as a whole when it refuses the
 * call (wrong method, no acceptable client certificate, a configured failure, a bad signature, an
 * unreadable body), else with one StandardResponse item per message and an RCP code each.
 */
import type * as http from 'node:http';
import type { TLSSocket } from 'node:tls';
import { clampHelp, type StandardResponse, type StandardResponseItem } from '../domain/responses.js';
import { formatDateTime } from '../domain/time.js';
import type { Received } from './body.js';
import type { Controls } from './controls.js';
import type { ItemFacts } from './facts.js';
import { rcpText } from './rcp.js';
import { signatureProblem, type SignaturePolicy } from './signature.js';

export interface Answer {
  status: number;
  response: StandardResponse;
  problem: string | null;
  retryAfter: number | null;
  /** The positions of the items accepted, to be stored before the answer is sent. */
  accepted: number[];
  rejected: number;
}

/** How the sink was set up to judge calls. */
export interface Judging {
  controls: Controls;
  /** The HTTPS settings; undefined when the sink serves plain HTTP. */
  tls: { ca?: string; requestCert?: boolean } | undefined;
  /** Null: signatures are not checked. */
  signatures: Omit<SignaturePolicy, 'now'> | null;
}

/** One call, as read. */
export interface Call {
  req: http.IncomingMessage;
  /** The absolute URL the DIP called, which it signed. */
  url: string;
  body: Buffer;
  received: Received;
  /** The participant the sink answers as: the recipient X-DIP-MPO names, '' when it names none. */
  self: string;
  clientCertificate: string | null;
  at: number;
}

/** Decided synchronously, so that a failure's `times` and the reject rule's `every` count calls in arrival order. */
export function judge(call: Call, judging: Judging): Answer {
  return refusal(call, judging) ?? itemAnswers(call, judging.controls);
}

const whole = (
  call: Call,
  status: number,
  code: string,
  problem: string,
  retryAfter: number | null = null,
): Answer => ({
  status,
  problem,
  retryAfter,
  accepted: [],
  rejected: 0,
  response: wholeCallResponse(call.self, code, problem, call.at),
});

function refusal(call: Call, { controls, tls, signatures }: Judging): Answer | null {
  const { req } = call;
  if (req.method !== 'POST')
    return whole(call, 405, 'RCP1000', `${req.method ?? '?'} is not accepted; the DIP delivers with POST`);
  if (tls?.requestCert) {
    const socket = req.socket as TLSSocket;
    if (call.clientCertificate === null) return whole(call, 403, 'RCP1000', 'no TLS client certificate was presented');
    if (tls.ca && !socket.authorized) {
      const why = String(socket.authorizationError);
      return whole(call, 403, 'RCP1000', `the TLS client certificate is not trusted: ${why}`);
    }
  }
  const failure = controls.takeFailure();
  if (failure) {
    const { status, retryAfterSeconds } = failure;
    return whole(call, status, 'RCP1000', `this sink is set to answer ${status}`, retryAfterSeconds ?? null);
  }
  if (signatures) {
    const problem = signatureProblem('POST', call.url, req.headers, call.body, { ...signatures, now: call.at });
    if (problem) return whole(call, 401, 'RCP9999', `message signature invalid: ${problem}`);
  }
  if (call.received.problem !== null) return whole(call, 400, 'RCP1001', call.received.problem);
  return null;
}

function itemAnswers({ received: { facts }, self, at }: Call, controls: Controls): Answer {
  const ts = formatDateTime(at);
  const reject = controls.rejecter();
  const accepted: number[] = [];
  const messageArray = facts.map((f, i) => {
    const rejection = reject(f);
    if (f.problem) return responseItem(f, self, f.problem.code, f.problem.help, ts);
    if (rejection) return responseItem(f, self, rejection.code, rejection.help, ts);
    accepted.push(i);
    return responseItem(f, self, 'RCP0000', null, ts);
  });
  const n = accepted.length;
  const status = n === facts.length ? 201 : n > 0 ? 207 : 400;
  return {
    status,
    problem: null,
    retryAfter: null,
    accepted,
    rejected: facts.length - n,
    response: { messageArray, timestamp: ts },
  };
}

/** What the sink answers instead when it could not store the items it accepted: none of them is. */
export function unstored(answer: Answer, call: Call, error: Error): Answer {
  const problem = `could not store the items: ${error.message}`;
  return {
    ...answer,
    status: 500,
    problem,
    accepted: [],
    rejected: call.received.items.length,
    response: wholeCallResponse(call.self, 'RCP1000', problem, call.at),
  };
}

/** One StandardResponse item: `self` is the sink's participant (the recipient of what it answers). */
export function responseItem(
  f: ItemFacts,
  self: string,
  code: string,
  help: string | null,
  sentTimestamp: string,
): StandardResponseItem {
  return {
    transactionID: f.transactionID,
    senderUniqueReference: f.sur,
    correlationID: f.correlationID,
    sentTimestamp,
    senderID: self,
    recipientID: f.sender,
    DIPConnectionProviderID: null,
    message: rcpText(code),
    help: help === null ? null : clampHelp(help),
    serviceTicketURL: null,
  };
}

/** A call answered as a whole (bad signature, unreadable body, a configured failure): one item saying why. */
export function wholeCallResponse(self: string, code: string, help: string, now: number): StandardResponse {
  const ts = formatDateTime(now);
  const facts: ItemFacts = {
    transactionID: null,
    sur: null,
    correlationID: null,
    sender: null,
    channel: null,
    problem: null,
  };
  return { messageArray: [responseItem(facts, self, code, help, ts)], timestamp: ts };
}
