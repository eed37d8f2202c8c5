/**
 * The receiver's checks of a signed request, in the order of reference/message-signing.md: the DIP runs
 * them on a participant's call, a participant's webhook on the DIP's. A failure names the check and carries
 * what it saw, so that each receiver words it in its own codes (MSG at the DIP, RCP at a webhook).
 *
 * The checks come in two halves, the signer's certificate (`verifySigner`) and what it signed
 * (`verifySignedString`), so that the DIP can ask whom the certificate is registered to in between, where
 * the reference puts that check; a receiver that registers nobody runs both at once (`verifySignature`).
 */
import type { X509Certificate } from 'node:crypto';
import {
  certificateProblem,
  parseCertificateHeader,
  validityProblem,
  type CertificateProblem,
} from './certificates.js';
import { HEADER, isStandardBase64, sha256, stringToSign, verifyRequestSignature } from './signing.js';

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface SignedRequest {
  method: string;
  /** The absolute URL the caller called; lower-cased in the string to sign, as the signer does. */
  url: string;
  headers: HeaderBag;
  /**
   * The raw body, when it has been read: its hash is checked right after the headers are found. Without
   * it the receiver checks the hash with `checkContentHash` once the body is in.
   */
  body?: Uint8Array;
}

export interface VerificationPolicy {
  /** Issuers the signing certificate must chain to; null: only its validity period is checked. */
  anchors: X509Certificate[] | null;
  now: number;
  /** Largest allowed distance between X-DIP-Signature-Date and now; null: the date is not checked. */
  maxSkewMs: number | null;
  /** Whether a header sent with an empty value counts as missing, or has its value checked like any other. */
  emptyIsMissing: boolean;
  /** Reads X-DIP-Signature-Certificate; a cache can stand in for the parser. */
  parseCertificate?: (value: string) => X509Certificate | null;
}

/** The signature headers as received. */
export interface SignatureParts {
  date: string;
  hash: string;
  signature: string;
  /** The certificate header's value, and which of its two names carried it. */
  certificate: string;
  certificateHeader: 'X-DIP-Signature-Certificate' | 'X-DIP-Certificate';
}

export type SignatureFailure =
  /** The missing headers' names, in the order of the reference's table. */
  | { check: 'headers'; missing: string[] }
  | { check: 'content-hash'; hash: string; actual: string; bytes: number }
  | { check: 'certificate-encoding' }
  | { check: 'certificate'; problem: CertificateProblem; certificate: X509Certificate }
  /** `signed`: the string the signature was to be checked over. */
  | { check: 'signature-encoding' | 'signature'; signed: string }
  /** `readable` false: the date is not an ISO-8601 time; true: it is too far from now. */
  | { check: 'date'; date: string; readable: boolean };

export type Signer =
  { ok: true; parts: SignatureParts; certificate: X509Certificate } | { ok: false; failure: SignatureFailure };

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** base64(SHA-256) of the body against X-DIP-Content-Hash; the digest is returned for callers that keep it. */
export function checkContentHash(
  body: Uint8Array,
  hash: string,
): { ok: true; digest: Buffer } | { ok: false; failure: SignatureFailure } {
  const digest = sha256(body);
  const actual = digest.toString('base64');
  return actual === hash
    ? { ok: true, digest }
    : { ok: false, failure: { check: 'content-hash', hash, actual, bytes: body.length } };
}

/** The headers present, the body's hash (when the body is given), the certificate readable, valid and trusted. */
export function verifySigner(req: SignedRequest, policy: VerificationPolicy): Signer {
  const current = first(req.headers[HEADER.certificate]);
  const found = {
    date: first(req.headers[HEADER.date]),
    hash: first(req.headers[HEADER.hash]),
    certificate: current ?? first(req.headers[HEADER.legacyCertificate]),
    signature: first(req.headers[HEADER.signature]),
  };
  const absent = (v: string | undefined): boolean => v === undefined || (policy.emptyIsMissing && v === '');
  const missing = [
    absent(found.date) && 'X-DIP-Signature-Date',
    absent(found.hash) && 'X-DIP-Content-Hash',
    absent(found.certificate) && 'X-DIP-Signature-Certificate',
    absent(found.signature) && 'X-DIP-Signature',
  ].filter((h): h is string => h !== false);
  if (missing.length > 0) return { ok: false, failure: { check: 'headers', missing } };
  const parts: SignatureParts = {
    ...(found as Omit<SignatureParts, 'certificateHeader'>),
    certificateHeader: current === undefined ? 'X-DIP-Certificate' : 'X-DIP-Signature-Certificate',
  };
  if (req.body !== undefined) {
    const body = checkContentHash(req.body, parts.hash);
    if (!body.ok) return body;
  }
  const certificate = (policy.parseCertificate ?? parseCertificateHeader)(parts.certificate);
  if (!certificate) return { ok: false, failure: { check: 'certificate-encoding' } };
  const problem = policy.anchors
    ? certificateProblem(certificate, policy.anchors, policy.now)
    : validityProblem(certificate, policy.now);
  if (problem) return { ok: false, failure: { check: 'certificate', problem, certificate } };
  return { ok: true, parts, certificate };
}

/** The signature over the rebuilt string to sign, with the certificate's key; then its date, if asked. */
export function verifySignedString(
  req: Pick<SignedRequest, 'method' | 'url'>,
  signer: Extract<Signer, { ok: true }>,
  policy: Pick<VerificationPolicy, 'now' | 'maxSkewMs'>,
): SignatureFailure | null {
  const { date, hash, signature } = signer.parts;
  const signed = (): string => stringToSign(req.method, req.url, date, hash);
  if (!isStandardBase64(signature)) return { check: 'signature-encoding', signed: signed() };
  const publicKey = signer.certificate.publicKey;
  if (!verifyRequestSignature({ method: req.method, url: req.url, date, hash, signature, publicKey }))
    return { check: 'signature', signed: signed() };
  if (policy.maxSkewMs === null) return null;
  const signedAt = Date.parse(date);
  if (Number.isNaN(signedAt)) return { check: 'date', date, readable: false };
  if (Math.abs(policy.now - signedAt) > policy.maxSkewMs) return { check: 'date', date, readable: true };
  return null;
}

/** Every check, for a receiver that does not ask whom the certificate is registered to. */
export function verifySignature(req: SignedRequest, policy: VerificationPolicy): SignatureFailure | null {
  const signer = verifySigner(req, policy);
  return signer.ok ? verifySignedString(req, signer, policy) : signer.failure;
}
