/**
 * The DIP's HTTP client for webhooks: signs every call with the DIP's own key and certificate exactly as
 * participants sign theirs (reference/message-signing.md), names the logical recipient in X-DIP-MPO, and
 * presents the DIP's certificate for mTLS. Connections are pooled per origin.
 */
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import { signRequest } from '../crypto/signing.js';
import type { CallResult } from './classify.js';

export interface DipIdentity {
  privateKeyPem: string;
  certificatePem: string;
}

export interface SenderOptions {
  identity: DipIdentity;
  /** Extra CAs trusted for participants' webhook servers (in addition to the public roots). */
  extraCas?: string[];
  timeoutMs: number;
}

export interface WebhookCall {
  url: string;
  /** The body in pieces (shared webhook payloads), joined once for the socket. */
  body: readonly Buffer[];
  /** The logical recipient, for X-DIP-MPO. */
  mpo: { dipId: string; role: string | null; name: string | null };
}

export interface Sender {
  post(call: WebhookCall): Promise<CallResult>;
  close(): Promise<void>;
}

/** JSON with every non-ASCII character escaped, so it is a valid header value. */
const asciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function createSender(options: SenderOptions): Sender {
  const agent = new Agent({
    connect: {
      ca: [...rootCertificates, ...(options.extraCas ?? [])],
      cert: options.identity.certificatePem,
      key: options.identity.privateKeyPem,
    },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connections: 8,
  });
  return {
    async post(call) {
      const url = new URL(call.url).href;
      const body = Buffer.concat(call.body);
      const headers = {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'x-dip-mpo': asciiJson(call.mpo),
        ...signRequest({
          method: 'POST',
          url,
          body,
          privateKey: options.identity.privateKeyPem,
          certificatePem: options.identity.certificatePem,
        }),
      };
      try {
        const res = await request(url, {
          method: 'POST',
          headers,
          body,
          dispatcher: agent,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        const text = await res.body.text();
        const retryAfter = res.headers['retry-after'];
        return {
          kind: 'response',
          status: res.statusCode,
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          text,
        };
      } catch (e) {
        const err = e as Error & { code?: string; name?: string };
        if (err.name === 'TimeoutError' || err.name === 'AbortError' || /TIMEOUT/.test(err.code ?? '')) {
          return { kind: 'error', reason: 'timeout', detail: `no answer within ${options.timeoutMs} ms` };
        }
        if (err.code === 'ECONNREFUSED')
          return { kind: 'error', reason: 'refused', detail: `connection refused by ${new URL(url).host}` };
        return { kind: 'error', reason: 'network', detail: `${err.code ?? err.name}: ${err.message}` };
      }
    },
    close: () => agent.close(),
  };
}
