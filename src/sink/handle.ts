/**
 * The sink's request handling: reads a call, judges it at once, then (after any configured delay) stores
 * what it accepted, records the call and answers; or hangs up, when told to.
 */
import type * as http from 'node:http';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { HEADER } from '../crypto/signing.js';
import { judge, unstored, type Answer, type Call, type Judging } from './answer.js';
import { readBody } from './body.js';
import type { Controls } from './controls.js';
import { readMpo, type ItemFacts } from './facts.js';
import type { Inbox } from './inbox.js';
import type { ReceivedCall, ReportReader } from './types.js';

export interface HandlerDeps {
  now: () => number;
  controls: Controls;
  inbox: Inbox;
  judging: Judging;
  /** How bodies are read (see readBody). */
  reading: { lean: boolean; raw: boolean; reports?: ReportReader };
  /** Where the sink listens, for the URL of a call that names no Host. */
  hostPort: () => string;
  /** Aborted when the sink closes: a delayed answer is dropped, and nothing more is stored. */
  closing: AbortSignal;
}

export interface Handler {
  listener: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  /** Calls read and not yet answered. */
  inFlight(): number;
}

/** A call as read, with what its record needs beyond what it is judged on. */
interface Seen {
  call: Call;
  path: string;
  headers: Record<string, string>;
  mpo: unknown;
}

const joinHeaders = (raw: http.IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
};

const channelsOf = (facts: ItemFacts[]): string | null => {
  const seen = new Set<string>();
  for (const f of facts) if (f.channel !== null) seen.add(f.channel);
  return seen.size === 0 ? null : [...seen].join(',');
};

/** `answer` null: the sink hung up. */
function receivedCall({ call, path, headers, mpo }: Seen, status: number, answer: Answer | null): ReceivedCall {
  const r = call.received;
  return {
    at: call.at,
    path,
    headers,
    mpo,
    kind: r.kind,
    items: r.items,
    facts: r.facts,
    itemCount: r.facts.length,
    channel: channelsOf(r.facts),
    status,
    rejected: answer?.rejected ?? 0,
    problem: answer ? answer.problem : 'the sink hung up',
    clientCertificate: call.clientCertificate,
    response: answer?.response ?? null,
  };
}

function respond(res: http.ServerResponse, answer: Answer): void {
  const text = JSON.stringify(answer.response);
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(answer.retryAfter !== null ? { 'retry-after': String(answer.retryAfter) } : {}),
    ...(answer.status === 405 ? { allow: 'POST' } : {}),
  });
  res.end(text);
}

function see(deps: HandlerDeps, req: http.IncomingMessage, body: Buffer): Seen {
  const secure = !!deps.judging.tls;
  const headers = joinHeaders(req.headers);
  const { mpo, dipId } = readMpo(headers[HEADER.mpo]);
  const peer = secure ? (req.socket as TLSSocket).getPeerX509Certificate() : undefined;
  const at = deps.now();
  const path = req.url ?? '/';
  const call: Call = {
    req,
    url: `${secure ? 'https' : 'http'}://${req.headers.host ?? deps.hostPort()}${path}`,
    body,
    received: readBody(body, deps.reading),
    self: dipId ?? '',
    clientCertificate: peer ? peer.subject.replace(/\n/g, ', ') : null,
    at,
  };
  return { call, path, headers, mpo };
}

/** The answer once what it accepts is stored; if that fails, the answer saying so. */
async function stored(deps: HandlerDeps, { call, path, mpo }: Seen, answer: Answer): Promise<Answer> {
  if (answer.accepted.length === 0) return answer;
  try {
    if (deps.closing.aborted) throw new Error('the sink is closing');
    await deps.inbox.store(call.at, path, call.received, mpo, answer.accepted);
    return answer;
  } catch (e) {
    return unstored(answer, call, e as Error);
  }
}

export function createHandler(deps: HandlerDeps): Handler {
  const { inbox, closing } = deps;
  let answering = 0;

  const answer = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> => {
    const seen = see(deps, req, body);
    const behaviour = deps.controls.current();
    if (behaviour.hangUp) {
      inbox.record(receivedCall(seen, 0, null));
      req.socket.destroy();
      return;
    }
    const delayMs = behaviour.delayMs ?? 0;
    const judged = judge(seen.call, deps.judging);
    if (delayMs > 0) {
      try {
        await sleep(delayMs, undefined, { signal: closing });
      } catch {
        return; // closing
      }
    }
    const final = await stored(deps, seen, judged);
    inbox.record(receivedCall(seen, final.status, final));
    respond(res, final);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the DIP gave up mid-body: nothing was delivered, so there is nothing to answer or record
    }
    answering++;
    try {
      await answer(req, res, Buffer.concat(chunks));
    } finally {
      answering--;
    }
  };

  return {
    listener(req, res) {
      handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`sink failure: ${e instanceof Error ? e.message : String(e)}`);
      });
    },
    inFlight: () => answering,
  };
}
