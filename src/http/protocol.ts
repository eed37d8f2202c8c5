/**
 * Answers for requests that never reach a route: what Node's HTTP parser refuses (oversized headers, a
 * malformed request line, conflicting lengths, control characters), what Node answers by itself (an
 * `Expect` other than 100-continue, CONNECT, HTTP/1.1 without Host) and what Fastify's router refuses (bad
 * percent-encoding, an over-long path segment). A participant's client gets the DIP's StandardResponse
 * for these too, and the connection is closed: after a framing error nothing more on it can be trusted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import type { MsgCode } from '../domain/responses.js';
import type { Clock } from '../domain/time.js';
import { requestFailure } from '../domain/response-items.js';

interface ProtocolDeps {
  config: Readonly<Pick<Config, 'dipId'>>;
  clock: Clock;
}

/** Longest path parameter the router accepts: room for a 200-character SUR (DT-995) and more. */
export const MAX_PARAM_LENGTH = 256;

/** Node's limit on the request line plus headers (`--max-http-header-size`, 16 KiB by default). */
const HEADER_LIMIT = '16 KiB';

export interface ProtocolRefusal {
  status: number;
  reason: string;
  code: MsgCode;
  help: string;
}

/** What the DIP answers for an error Node's HTTP parser reports on a connection, by its code (pure). */
export function parserRefusal(code: string | undefined): ProtocolRefusal {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        reason: 'Request Header Fields Too Large',
        code: 'MSG1000',
        help: `the request line and headers exceed ${HEADER_LIMIT}; send the signature headers once each, with the certificate alone (not its chain), and a shorter URL`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        reason: 'Request Timeout',
        code: 'MSG1000',
        help: 'the request was not received in time; send it again',
      };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return {
        status: 400,
        reason: 'Bad Request',
        code: 'MSG1000',
        help: 'Content-Length must be one decimal number, given once, and not beside Transfer-Encoding',
      };
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return {
        status: 400,
        reason: 'Bad Request',
        code: 'MSG1000',
        help: 'Transfer-Encoding must be chunked, last, and not beside Content-Length; or send a Content-Length alone',
      };
    case 'HPE_INVALID_CHUNK_SIZE':
      return {
        status: 400,
        reason: 'Bad Request',
        code: 'MSG1000',
        help: 'the chunked body is malformed; send valid chunks, or a Content-Length',
      };
    default:
      return {
        status: 400,
        reason: 'Bad Request',
        code: 'MSG1000',
        help: `the request is not valid HTTP/1.1 (${code ?? 'unreadable'}): check the request line, that header names and values hold no control characters, and the body framing`,
      };
  }
}

const bodyOf = (refusal: ProtocolRefusal, deps: ProtocolDeps): string =>
  JSON.stringify(requestFailure(deps.config.dipId, refusal.code, refusal.help, deps.clock.now()));

/** A whole HTTP/1.1 response, for a socket on which no response object exists. */
export function rawResponse(refusal: ProtocolRefusal, deps: ProtocolDeps, extraHeaders = ''): string {
  const body = bodyOf(refusal, deps);
  return `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extraHeaders}connection: close\r\n\r\n${body}`;
}

/** Writes `response` and then closes the socket, whatever the peer still sends. */
function endWith(socket: Duplex, response: string): void {
  socket.on('error', () => socket.destroy());
  socket.end(response, () => socket.destroy());
}

/** The request each connection is being answered for, so that a parser error can tell what it interrupts. */
export interface InflightRequests {
  watch(server: NodeJS.EventEmitter): void;
  of(socket: Duplex): { req: IncomingMessage; res: ServerResponse } | undefined;
}

export function inflightRequests(): InflightRequests {
  const bySocket = new WeakMap<object, { req: IncomingMessage; res: ServerResponse }>();
  return {
    watch(server) {
      server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        bySocket.set(req.socket, { req, res });
        const clear = (): void => {
          if (bySocket.get(req.socket)?.res === res) bySocket.delete(req.socket);
        };
        res.once('finish', clear).once('close', clear);
      });
    },
    of: (socket) => bySocket.get(socket),
  };
}

/** Fastify's `clientErrorHandler`: a parser error on a connection. */
export function clientErrorHandler(deps: ProtocolDeps, inflight: InflightRequests) {
  return (error: Error & { code?: string }, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const current = inflight.of(socket);
    if (current && current.req.complete && !current.res.headersSent) {
      // A request was read whole and is being answered; what broke is what came after it. Its answer
      // goes out, and then the connection closes.
      current.res.setHeader('connection', 'close');
      return;
    }
    // Once a response has begun on this connection, more bytes would corrupt it: then only close.
    if (socket.writable && !current?.res.headersSent) endWith(socket, rawResponse(parserRefusal(error.code), deps));
    else socket.destroy();
  };
}

/** Fastify's `frameworkErrors`: a URL the router cannot decode or match. */
export function frameworkErrors(
  deps: ProtocolDeps,
  refuse: (reply: FastifyReply, status: number, code: MsgCode, help: string) => FastifyReply,
) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const path = request.url.split('?')[0]!;
    reply.header('connection', 'close');
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      refuse(
        reply,
        414,
        'MSG1000',
        `a segment of the path ${path.slice(0, 100)}... is longer than ${MAX_PARAM_LENGTH} characters; no DIP identifier is that long`,
      );
    } else if (error.code === 'FST_ERR_BAD_URL') {
      refuse(
        reply,
        400,
        'MSG1000',
        `the path ${path.slice(0, 200)} is not valid percent-encoding; encode each reserved byte as %XX`,
      );
    } else {
      refuse(reply, 400, 'MSG1000', `the path ${path.slice(0, 200)} cannot be routed`);
    }
  };
}

/** Writes a refusal on a response Node made but no route will see, and closes the connection. */
function answerRaw(res: ServerResponse, refusal: ProtocolRefusal, deps: ProtocolDeps): void {
  const body = bodyOf(refusal, deps);
  res
    .writeHead(refusal.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    })
    .end(body);
}

/** What Node would otherwise answer by itself, bare: an unknown `Expect`, and CONNECT (which it just drops). */
export function installServerAnswers(server: NodeJS.EventEmitter, deps: ProtocolDeps): void {
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    answerRaw(
      res,
      {
        status: 417,
        reason: 'Expectation Failed',
        code: 'MSG1000',
        help: `Expect: ${String(req.headers.expect).slice(0, 100)} is not supported; the DIP understands only Expect: 100-continue`,
      },
      deps,
    );
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    const refusal = {
      status: 405,
      reason: 'Method Not Allowed',
      code: 'MSG1000' as const,
      help: 'the DIP is not a proxy: CONNECT is not allowed',
    };
    endWith(socket, rawResponse(refusal, deps, 'allow: GET, POST, DELETE\r\n'));
  });
}

/** HTTP/1.1 requires a Host header (RFC 9112 §3.2); the DIP also needs it to rebuild the signed URL. */
export function missingHost(request: FastifyRequest): boolean {
  return request.raw.httpVersionMajor === 1 && request.raw.httpVersionMinor >= 1 && !request.headers.host;
}
