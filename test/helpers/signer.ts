/**
 * A request signer written from reference/message-signing.md alone, independently of OpenDIP's own
 * signing code, as a participant's client would be:
 *   X-DIP-Content-Hash = base64(SHA-256(body)); X-DIP-Signature-Certificate = base64(PEM with \n);
 *   X-DIP-Signature = base64(RSASSA-PKCS1-v1_5-SHA256(key, METHOD;lower(URL);date;hash)).
 */
import { createHash, sign } from 'node:crypto';

export interface SignOptions {
  method: string;
  url: string;
  body: string | Buffer;
  keyPem: string;
  certPem: string;
  date?: string;
  /** Send the certificate as the older clients' X-DIP-Certificate header. */
  legacyCertificateHeader?: boolean;
}

export function participantSignature(o: SignOptions): Record<string, string> {
  const date = o.date ?? new Date().toISOString();
  const hash = createHash('sha256').update(o.body).digest('base64');
  const toSign = `${o.method.toUpperCase()};${o.url.toLowerCase()};${date};${hash}`;
  const signature = sign('sha256', Buffer.from(toSign, 'utf8'), o.keyPem).toString('base64');
  const certificate = Buffer.from(o.certPem.replace(/\r\n/g, '\n'), 'utf8').toString('base64');
  return {
    'X-DIP-Signature-Date': date,
    'X-DIP-Content-Hash': hash,
    [o.legacyCertificateHeader ? 'X-DIP-Certificate' : 'X-DIP-Signature-Certificate']: certificate,
    'X-DIP-Signature': signature,
  };
}
