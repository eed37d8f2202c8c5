/**
 * Request signing exactly as participant clients do it (reference/message-signing.md):
 * string-to-sign = METHOD ";" lower(full URL) ";" X-DIP-Signature-Date ";" X-DIP-Content-Hash,
 * signed RSASSA-PKCS1-v1_5 with SHA-256; hash and certificate are base64.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';

export const HEADER = {
  signature: 'x-dip-signature',
  date: 'x-dip-signature-date',
  hash: 'x-dip-content-hash',
  certificate: 'x-dip-signature-certificate',
  /** Older clients send the certificate under this name. */
  legacyCertificate: 'x-dip-certificate',
  apiKey: 'x-api-key',
  mpo: 'x-dip-mpo',
} as const;

/**
 * Standard base64 with its padding, nothing else. Node's decoder skips characters outside the alphabet
 * and stops at the first `=`, so without this check a value with bytes inserted or appended would decode
 * to the same signature: a header is either what the contract says or refused.
 */
export function isStandardBase64(value: string): boolean {
  return value.length > 0 && value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value);
}

/** SHA-256 of raw body bytes; the body may be given in pieces, hashed in order. */
export function sha256(body: Uint8Array | string | readonly Uint8Array[]): Buffer {
  const h = createHash('sha256');
  if (Array.isArray(body)) for (const part of body) h.update(part);
  else h.update(body as Uint8Array | string);
  return h.digest();
}

/** base64(SHA-256(raw body bytes)): the X-DIP-Content-Hash of a body. */
export function contentHash(body: Uint8Array | string | readonly Uint8Array[]): string {
  return sha256(body).toString('base64');
}

export function stringToSign(method: string, url: string, date: string, hash: string): string {
  return `${method.toUpperCase()};${url.toLowerCase()};${date};${hash}`;
}

/** base64 of the PEM text with `\n` line endings, as clients normalise it before encoding. */
export function encodeCertificateHeader(pem: string): string {
  return Buffer.from(pem.replace(/\r\n/g, '\n'), 'utf8').toString('base64');
}

export interface SignedHeaders {
  'X-DIP-Signature-Date': string;
  'X-DIP-Content-Hash': string;
  'X-DIP-Signature-Certificate': string;
  'X-DIP-Signature': string;
}

/** The four signature headers for a request. `now` is the signing time. */
export function signRequest(args: {
  method: string;
  url: string;
  body: Uint8Array | string | readonly Uint8Array[];
  privateKey: string | KeyObject;
  certificatePem: string;
  now?: Date;
}): SignedHeaders {
  const date = (args.now ?? new Date()).toISOString();
  const hash = contentHash(args.body);
  const signature = sign(
    'sha256',
    Buffer.from(stringToSign(args.method, args.url, date, hash), 'utf8'),
    args.privateKey,
  );
  return {
    'X-DIP-Signature-Date': date,
    'X-DIP-Content-Hash': hash,
    'X-DIP-Signature-Certificate': encodeCertificateHeader(args.certificatePem),
    'X-DIP-Signature': signature.toString('base64'),
  };
}

export function verifyRequestSignature(args: {
  method: string;
  url: string;
  date: string;
  hash: string;
  signature: string;
  publicKey: KeyObject;
}): boolean {
  if (!isStandardBase64(args.signature)) return false;
  const data = Buffer.from(stringToSign(args.method, args.url, args.date, args.hash), 'utf8');
  try {
    return verify('sha256', data, args.publicKey, Buffer.from(args.signature, 'base64'));
  } catch {
    return false;
  }
}
