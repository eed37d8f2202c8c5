/**
 * A participant's client for any DIP: signs each request exactly as participant clients do
 * (reference/message-signing.md) and sends it, over mTLS when given a client certificate.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { signRequest } from '../crypto/signing.js';
import type { DemoMarketFile } from '../registry/demo.js';

export interface ClientIdentity {
  /** API base including the version segment, e.g. https://127.0.0.1:8443/1.1 */
  baseUrl: string;
  privateKeyPem: string;
  certificatePem: string;
  apiKey?: string;
  /** CA bundle to verify the DIP's TLS certificate. */
  caPem?: string;
  /** mTLS client certificate and key (default: the signing pair). */
  tlsCertificatePem?: string;
  tlsKeyPem?: string;
  /** Skip verification of the DIP's TLS certificate. */
  insecure?: boolean;
}

export interface DipResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Identity of participant `dipId` from a demo market file (DATA_DIR/demo/participants.json). */
export function identityFromDemoFile(file: DemoMarketFile, dipId: string): ClientIdentity {
  const p = file.participants.find((x) => x.dipId === dipId);
  if (!p) throw new Error(`participant ${dipId} is not in the file; it lists ${file.participants.map((x) => x.dipId).join(', ')}`);
  return {
    baseUrl: file.baseUrl,
    privateKeyPem: readFileSync(p.privateKeyPath, 'utf8'),
    certificatePem: readFileSync(p.certificatePath, 'utf8'),
    apiKey: p.apiKey,
    caPem: readFileSync(file.caCertificatePath, 'utf8'),
  };
}

export function createDipClient(identity: ClientIdentity) {
  const agent = new Agent({
    connect: {
      ca: identity.caPem,
      cert: identity.tlsCertificatePem ?? identity.certificatePem,
      key: identity.tlsKeyPem ?? identity.privateKeyPem,
      rejectUnauthorized: !identity.insecure,
    },
    bodyTimeout: 0,
    headersTimeout: 0,
  });
  return {
    async send(method: 'POST' | 'GET' | 'DELETE', path: string, body: Uint8Array | string = '', extraHeaders: Record<string, string> = {}): Promise<DipResponse> {
      // Normalised as the request will go out (a default port such as :443 dropped), so the DIP rebuilds the same URL.
      const url = new URL(`${identity.baseUrl.replace(/\/+$/, '')}${path}`).href;
      const signed = signRequest({ method, url, body, privateKey: identity.privateKeyPem, certificatePem: identity.certificatePem });
      const res = await request(url, {
        method,
        dispatcher: agent,
        headers: {
          ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
          ...signed,
          ...(identity.apiKey ? { 'x-api-key': identity.apiKey } : {}),
          ...extraHeaders,
        },
        body: method === 'GET' ? undefined : body,
      });
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    },
    close: () => agent.close(),
  };
}
