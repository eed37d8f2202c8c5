/** X.509 checks on the certificates participants present: parse, validity period, issuer, fingerprint. */
import { X509Certificate, createHash } from 'node:crypto';
import { isStandardBase64 } from './signing.js';

export function fingerprintOf(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('hex');
}

/** Decodes an X-DIP-Signature-Certificate value (base64 of a PEM). Also accepts a bare base64 DER. */
export function parseCertificateHeader(value: string): X509Certificate | null {
  const encoded = value.trim();
  if (!isStandardBase64(encoded)) return null;
  try {
    const decoded = Buffer.from(encoded, 'base64');
    const text = decoded.toString('utf8');
    return new X509Certificate(text.includes('-----BEGIN CERTIFICATE-----') ? text : decoded);
  } catch {
    return null;
  }
}

/** Caches parsed certificates by header value: a participant sends the same one on every call. */
export function createCertificateCache(limit = 1024): (value: string) => X509Certificate | null {
  const cache = new Map<string, X509Certificate | null>();
  return (value) => {
    if (cache.has(value)) return cache.get(value)!;
    const cert = parseCertificateHeader(value);
    if (cache.size >= limit) cache.delete(cache.keys().next().value!);
    cache.set(value, cert);
    return cert;
  };
}

/** Splits a PEM bundle into certificates. */
export function parsePemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

export function validityOf(cert: X509Certificate): { notBefore: number; notAfter: number } {
  return { notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo) };
}

export type CertificateProblem = 'expired' | 'not-yet-valid' | 'untrusted-issuer';

/** Which side of its validity period `now` falls on, or null within it. */
export function validityProblem(cert: X509Certificate, now: number): 'expired' | 'not-yet-valid' | null {
  const { notBefore, notAfter } = validityOf(cert);
  if (now > notAfter) return 'expired';
  if (now < notBefore) return 'not-yet-valid';
  return null;
}

/**
 * Checks a certificate against trusted issuers at time `now`. Every certificate in the trust bundle is an
 * anchor, so an operator trusts an intermediate by adding it to the bundle.
 */
export function certificateProblem(
  cert: X509Certificate,
  anchors: X509Certificate[],
  now: number,
): CertificateProblem | null {
  const validity = validityProblem(cert, now);
  if (validity) return validity;
  const issued = anchors.some((ca) => {
    try {
      return cert.checkIssued(ca) && cert.verify(ca.publicKey);
    } catch {
      return false;
    }
  });
  return issued ? null : 'untrusted-issuer';
}
