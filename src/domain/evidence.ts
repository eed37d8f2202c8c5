/** Evidence for repudiation: the vocabulary ingress, storage and the audit trail share. */

/** The certificate header a signed call used: the current name, or the one older clients send. */
export type CertificateHeaderName = 'X-DIP-Signature-Certificate' | 'X-DIP-Certificate';

/**
 * Evidence for repudiation (seed §7): the four signature headers exactly as received and what the DIP
 * computed and checked, enough to verify the signature again without the DIP's configuration.
 */
export interface CallEvidence {
  /** The participant the signing certificate was registered to when the DIP verified it. */
  signerId: string;
  method: string;
  /** The absolute URL the signature was verified against (the public URL, before lower-casing). */
  url: string;
  signatureDate: string;
  contentHash: string;
  certificateHeader: CertificateHeaderName;
  /** The certificate header's value (base64 of a PEM). */
  certificate: string;
  signature: string;
  /** SHA-256 (hex) of the certificate's DER, as the registry keys certificates. */
  certificateFingerprint: string;
  /** SHA-256 (hex) of the body bytes the DIP read. */
  bodySha256: string;
}
