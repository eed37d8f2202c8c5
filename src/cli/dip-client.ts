/**
 * A participant's client for any DIP: signs each request exactly as participant clients do
 * (reference/message-signing.md) and sends it, over mTLS when given a client certificate.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { Command } from 'commander';
import { signRequest } from '../crypto/signing.js';
import { readDemoFile, type DemoMarketFile } from '../demo/market.js';

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
  if (!p)
    throw new Error(
      `participant ${dipId} is not in the file; it lists ${file.participants.map((x) => x.dipId).join(', ')}`,
    );
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
    async send(
      method: 'POST' | 'GET' | 'DELETE',
      path: string,
      body: Uint8Array | string = '',
      extraHeaders: Record<string, string> = {},
    ): Promise<DipResponse> {
      // Normalised as the request will go out (a default port such as :443 dropped), so the DIP rebuilds the same URL.
      const url = new URL(`${identity.baseUrl.replace(/\/+$/, '')}${path}`).href;
      const signed = signRequest({
        method,
        url,
        body,
        privateKey: identity.privateKeyPem,
        certificatePem: identity.certificatePem,
      });
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

/** How a command names the participant it acts as: a demo market file and an id, or URL, key and certificate. */
export interface IdentityOptions {
  participants?: string;
  as?: string;
  url?: string;
  key?: string;
  cert?: string;
  apiKey?: string;
  ca?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecure?: boolean;
}

/** Adds the identity options to a command. */
export function identityOptions(cmd: Command): Command {
  return cmd
    .option('--participants <file>', 'a demo market participants.json (gives URL, keys, certificate, API key and CA)')
    .option('--as <dipId>', 'which participant of --participants calls')
    .option('--url <base>', 'API base URL including the version, e.g. https://127.0.0.1:8443/1.1')
    .option('--key <file>', 'signing private key (PEM)')
    .option('--cert <file>', 'signing certificate (PEM)')
    .option('--api-key <key>', 'X-API-Key to send')
    .option('--ca <file>', "CA bundle to verify the DIP's TLS certificate")
    .option('--tls-cert <file>', 'mTLS client certificate (default: the signing certificate)')
    .option('--tls-key <file>', 'mTLS client key (default: the signing key)')
    .option('--insecure', "do not verify the DIP's TLS certificate");
}

const read = (path: string): string => (path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8'));

export function identityFrom(opts: IdentityOptions): ClientIdentity {
  if (opts.participants) {
    if (!opts.as) throw new Error('--participants needs --as <dipId> to choose the sender');
    const identity = identityFromDemoFile(readDemoFile(opts.participants), opts.as);
    if (!identity.baseUrl && !opts.url)
      throw new Error(
        `${opts.participants} names no URL yet: the DIP is still starting (wait for its banner), or give --url`,
      );
    return {
      ...identity,
      ...(opts.url ? { baseUrl: opts.url } : {}),
      ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
      ...(opts.insecure ? { insecure: true } : {}),
    };
  }
  if (!opts.url || !opts.key || !opts.cert)
    throw new Error('give --participants FILE --as DIPID, or --url, --key and --cert');
  return {
    baseUrl: opts.url,
    privateKeyPem: read(opts.key),
    certificatePem: read(opts.cert),
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
    ...(opts.ca ? { caPem: read(opts.ca) } : {}),
    ...(opts.tlsCert ? { tlsCertificatePem: read(opts.tlsCert) } : {}),
    ...(opts.tlsKey ? { tlsKeyPem: read(opts.tlsKey) } : {}),
    ...(opts.insecure ? { insecure: true } : {}),
  };
}
