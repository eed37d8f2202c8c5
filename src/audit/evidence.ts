/**
 * Evidence for repudiation as the audit trail shows it: each kept value by name, and whether it still
 * verifies. Checked again from what was stored alone, with the DIP's own signature check, so that a
 * stored value altered since (or a record that never held together) says so.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { fingerprintOf, parseCertificateHeader } from '../crypto/certificates.js';
import { verifyRequestSignature } from '../crypto/signing.js';
import type { CallEvidence } from '../domain/evidence.js';

/** What each check found: all three hold for evidence that verifies. */
export interface EvidenceChecks {
  /** X-DIP-Signature verifies over METHOD;lower-cased URL;date;hash with the stored certificate's key. */
  signature: boolean;
  /** X-DIP-Content-Hash is base64 of the body's SHA-256 the DIP computed. */
  contentHash: boolean;
  /** The stored certificate is the one the fingerprint names. */
  certificateFingerprint: boolean;
}

export function checkEvidence(
  e: CallEvidence,
  parse: (value: string) => X509Certificate | null = parseCertificateHeader,
): EvidenceChecks {
  const cert = parse(e.certificate);
  return {
    signature:
      cert !== null &&
      verifyRequestSignature({
        method: e.method,
        url: e.url,
        date: e.signatureDate,
        hash: e.contentHash,
        signature: e.signature,
        publicKey: cert.publicKey as KeyObject,
      }),
    contentHash:
      /^[0-9a-f]{64}$/.test(e.bodySha256) && Buffer.from(e.bodySha256, 'hex').toString('base64') === e.contentHash,
    certificateFingerprint: cert !== null && fingerprintOf(cert) === e.certificateFingerprint,
  };
}

/** The evidence object of an audit record: every value as kept, the headers under the names they came in. */
export function evidenceView(e: CallEvidence, parse?: (value: string) => X509Certificate | null) {
  const checks = checkEvidence(e, parse);
  return {
    signerID: e.signerId,
    method: e.method,
    url: e.url,
    headers: {
      'X-DIP-Signature-Date': e.signatureDate,
      'X-DIP-Content-Hash': e.contentHash,
      [e.certificateHeader]: e.certificate,
      'X-DIP-Signature': e.signature,
    },
    certificateHeader: e.certificateHeader,
    certificateFingerprint: e.certificateFingerprint,
    bodySHA256: e.bodySha256,
    verifies: checks.signature && checks.contentHash && checks.certificateFingerprint,
    checks,
  };
}

export type EvidenceView = ReturnType<typeof evidenceView>;
