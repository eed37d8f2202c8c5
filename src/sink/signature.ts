/**
 * A participant's webhook checking the DIP's signature headers (reference/message-signing.md), in the
 * sink's words: what is wrong, for the help of its RCP9999 answer.
 */
import type { X509Certificate } from 'node:crypto';
import { verifySignature, type HeaderBag, type SignatureFailure } from '../crypto/verify.js';

export interface SignaturePolicy {
  /** Trust anchors for the signing certificate; null: the chain is not checked. */
  anchors: X509Certificate[] | null;
  /** Largest allowed distance between X-DIP-Signature-Date and now; null: not checked. */
  maxSkewMs: number | null;
  now: number;
}

/**
 * What is wrong with a call's signature, in the order of message-signing.md's receiver checks, or null.
 * `url` is the absolute URL the DIP called; it is lower-cased here, as the signer does.
 */
export function signatureProblem(
  method: string,
  url: string,
  headers: HeaderBag,
  body: Buffer,
  policy: SignaturePolicy,
): string | null {
  // An empty header is judged by its value, not reported missing: only an absent one is.
  const failure = verifySignature({ method, url, headers, body }, { ...policy, emptyIsMissing: false });
  return failure && describe(failure, policy);
}

function describe(f: SignatureFailure, policy: SignaturePolicy): string {
  switch (f.check) {
    case 'headers':
      return `missing header(s): ${f.missing.join(', ')}`;
    case 'content-hash':
      return `X-DIP-Content-Hash ${f.hash} is not base64(SHA-256) of the ${f.bytes} bytes received (${f.actual})`;
    case 'certificate-encoding':
      return 'X-DIP-Signature-Certificate is not base64 of a PEM X.509 certificate';
    case 'certificate': {
      const cert = f.certificate;
      if (!policy.anchors)
        return `the signing certificate is outside its validity period (${cert.validFrom} to ${cert.validTo})`;
      if (f.problem === 'untrusted-issuer')
        return `the signing certificate (issuer ${cert.issuer.replace(/\n/g, ', ')}) does not chain to a trusted CA`;
      return `the signing certificate is ${f.problem} (valid ${cert.validFrom} to ${cert.validTo})`;
    }
    case 'signature-encoding':
    case 'signature':
      return `X-DIP-Signature does not verify with the certificate's key over "${f.signed}"`;
    case 'date':
      return f.readable
        ? `X-DIP-Signature-Date ${f.date} is more than ${policy.maxSkewMs! / 1000} s from this receiver's clock`
        : `X-DIP-Signature-Date ${f.date} is not an ISO-8601 time`;
  }
}
