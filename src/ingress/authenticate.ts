/**
 * Who is calling. Every request is signed (reference/message-signing.md); the signing certificate names
 * the physical sender. An mTLS client certificate and an X-API-Key, when present, must name the same
 * participant. Unknown credentials are 401; credentials that disagree are 403.
 *
 * The signature covers the X-DIP-Content-Hash header, not the body itself, so everything but the hash
 * comparison is decided from the headers alone, before the DIP reads a byte of the body.
 */
import type { X509Certificate } from 'node:crypto';
import {
  certificateProblem,
  fingerprintOf,
  parseCertificateHeader,
  type CertificateProblem,
} from '../crypto/certificates.js';
import { HEADER } from '../crypto/signing.js';
import {
  checkContentHash,
  verifySignedString,
  verifySigner,
  type HeaderBag,
  type SignatureFailure,
  type Signer,
} from '../crypto/verify.js';
import type { Caller } from '../domain/model.js';
import type { MsgCode } from '../domain/responses.js';
import type { RegistryView } from '../registry/registry.js';
import type { CallEvidence } from '../domain/evidence.js';
import { credentialRefusal } from './credential-state.js';
import type { MtlsMode } from '../domain/tls.js';

export interface RequestCredentials {
  method: string;
  /** The absolute URL the client called, as the DIP is publicly reachable. */
  url: string;
  headers: HeaderBag;
  /** Header names and values as received, alternating (Node's `rawHeaders`): shows a header sent twice. */
  rawHeaders?: readonly string[];
  /** The TLS client certificate, when the connection is TLS and one was presented. */
  clientCertificate: X509Certificate | null;
}

export interface AuthPolicy {
  registry: RegistryView;
  /** CAs that issue signing certificates. */
  anchors: X509Certificate[];
  /** CAs that issue mTLS client certificates. */
  clientAnchors: X509Certificate[];
  now: number;
  maxSkewMs: number;
  requireApiKey: boolean;
  mtls: MtlsMode;
}

/** What a verified request signed, as received: its evidence but for the body, which is not read yet. */
export type SignedParts = Omit<CallEvidence, 'bodySha256'>;

export type AuthResult =
  /** `signed.contentHash`: the signed X-DIP-Content-Hash, which the body must match once it has been read. */
  | { ok: true; caller: Caller; certificate: X509Certificate; signed: SignedParts }
  | { ok: false; status: 401 | 403; code: MsgCode; help: string };

const header = (h: RequestCredentials['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

type Refusal = Extract<AuthResult, { ok: false }>;

const deny = (status: 401 | 403, help: string, code: MsgCode = 'MSG1000'): Refusal => ({
  ok: false,
  status,
  code,
  help,
});

const CREDENTIAL_HEADERS: readonly string[] = [
  HEADER.apiKey,
  HEADER.date,
  HEADER.hash,
  HEADER.certificate,
  HEADER.legacyCertificate,
  HEADER.signature,
];

/**
 * Credential headers sent more than once, with their counts. Node joins repeats into one value with
 * ", ", and a lenient base64 decoder may then read only the first: a request must not pass on a value
 * nobody can say was meant.
 */
export function repeatedCredentials(rawHeaders: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (CREDENTIAL_HEADERS.includes(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 1).map(([name, n]) => `${name} (${n} times)`);
}

function certificateRefusal(cert: X509Certificate, problem: CertificateProblem, what: string): Refusal {
  if (problem === 'expired')
    return deny(401, `${what} expired on ${cert.validTo}; renew it and register the new certificate`, 'MSG1014');
  if (problem === 'not-yet-valid')
    return deny(401, `${what} is not valid until ${cert.validFrom}; check the clock of the issuing system`);
  return deny(
    401,
    `${what} is issued by '${cert.issuer.replace(/\n/g, ', ')}', which this DIP does not trust; use a certificate issued by the DIP's trusted CA`,
    'MSG1013',
  );
}

/** The DIP's wording of a failed signature check. */
function signatureRefusal(f: SignatureFailure, req: RequestCredentials, policy: AuthPolicy): Refusal {
  switch (f.check) {
    case 'headers':
      return deny(401, `missing signature header(s): ${f.missing.join(', ')}; every request must be signed`);
    case 'certificate-encoding':
      return deny(401, 'X-DIP-Signature-Certificate is not base64 of a PEM X.509 certificate');
    case 'certificate':
      return certificateRefusal(f.certificate, f.problem, 'the signing certificate');
    case 'signature-encoding':
      return deny(401, 'X-DIP-Signature is not standard base64 (A-Z, a-z, 0-9, + and /, with its = padding)');
    case 'signature':
      return deny(
        401,
        `X-DIP-Signature does not verify: sign "METHOD;lower-cased full URL;X-DIP-Signature-Date;X-DIP-Content-Hash" with RSA PKCS#1 v1.5 SHA-256; this DIP expects the URL ${req.url.toLowerCase()}`,
      );
    case 'date':
      return deny(
        401,
        `X-DIP-Signature-Date '${f.date}' is not within ${Math.round(policy.maxSkewMs / 1000)} s of the DIP's clock (${new Date(policy.now).toISOString()}); sign each request when it is sent and keep the clock in sync`,
      );
    case 'content-hash':
      return bodyRefusal();
  }
}

const bodyRefusal = (): Refusal =>
  deny(
    401,
    'X-DIP-Content-Hash is not base64(SHA-256) of the request body as received; hash the exact bytes sent, after any serialisation',
  );

/** The signature verified, and the participant its certificate is registered to. */
function verifiedSigner(
  req: RequestCredentials,
  policy: AuthPolicy,
  parseCertificate: (value: string) => X509Certificate | null,
): { ok: true; found: Extract<Signer, { ok: true }>; signer: string; fingerprint: string } | Refusal {
  // A header sent empty is as good as absent: the client did not sign.
  const verification = {
    anchors: policy.anchors,
    now: policy.now,
    maxSkewMs: policy.maxSkewMs,
    emptyIsMissing: true,
    parseCertificate,
  };
  const found = verifySigner(req, verification);
  if (!found.ok) return signatureRefusal(found.failure, req, policy);
  const cert = found.certificate;
  const fingerprint = fingerprintOf(cert);
  const signer = policy.registry.certificateOwner(fingerprint);
  if (signer === undefined) {
    return deny(
      401,
      `the signing certificate (${cert.subject.replace(/\n/g, ', ')}) is not registered to any participant; register it with the DIP operator`,
    );
  }
  const retired = credentialRefusal('the signing certificate', policy.registry.certificate(fingerprint), policy.now);
  if (retired) return deny(401, retired);
  const failure = verifySignedString(req, found, verification);
  if (failure) return signatureRefusal(failure, req, policy);
  return { ok: true, found, signer, fingerprint };
}

/**
 * The participant a TLS client certificate identifies: issued by a CA the DIP trusts for mTLS, valid now,
 * registered and not retired. The API's confirmation of a signer, and the portal's certificate sign-in.
 */
export function clientCertificateOwner(
  cert: X509Certificate,
  policy: Pick<AuthPolicy, 'clientAnchors' | 'registry' | 'now'>,
): { ok: true; dipId: string } | Refusal {
  const tlsProblem = certificateProblem(cert, policy.clientAnchors, policy.now);
  if (tlsProblem) return certificateRefusal(cert, tlsProblem, 'the TLS client certificate');
  const fingerprint = fingerprintOf(cert);
  const owner = policy.registry.certificateOwner(fingerprint);
  if (owner === undefined) return deny(401, 'the TLS client certificate is not registered to any participant');
  const retired = credentialRefusal('the TLS client certificate', policy.registry.certificate(fingerprint), policy.now);
  if (retired) return deny(401, retired);
  return { ok: true, dipId: owner };
}

/** The participant an API key was issued to, if it is one this DIP issued and has not retired. */
export function apiKeyHolder(
  apiKey: string,
  registry: RegistryView,
  now: number,
): { ok: true; dipId: string } | Refusal {
  const owner = registry.apiKeyOwner(apiKey);
  if (owner === undefined)
    return deny(401, 'X-API-Key is not a key this DIP issued; check the key or ask the operator for a new one');
  const retired = credentialRefusal('X-API-Key', registry.apiKey(apiKey), now);
  return retired ? deny(401, retired) : { ok: true, dipId: owner };
}

/** The TLS client certificate and the API key, each when present (or required), must be the signer's. */
function confirmedVia(
  req: RequestCredentials,
  policy: AuthPolicy,
  signer: string,
  keyOwner: string | undefined,
): { ok: true; via: Caller['via'] } | Refusal {
  const via: Caller['via'] = ['signature'];
  if (req.clientCertificate) {
    const tls = clientCertificateOwner(req.clientCertificate, policy);
    if (!tls.ok) return tls;
    const tlsOwner = tls.dipId;
    if (tlsOwner !== signer)
      return deny(403, `the TLS client certificate belongs to ${tlsOwner} but the request is signed by ${signer}`);
    via.push('mtls');
  } else if (policy.mtls === 'require') {
    return deny(401, 'this DIP requires a TLS client certificate (mTLS)');
  }
  if (keyOwner !== undefined) {
    if (keyOwner !== signer)
      return deny(403, `X-API-Key belongs to ${keyOwner} but the request is signed by ${signer}`);
    via.push('api-key');
  }
  return { ok: true, via };
}

export function authenticate(
  req: RequestCredentials,
  policy: AuthPolicy,
  parseCertificate: (value: string) => X509Certificate | null = parseCertificateHeader,
): AuthResult {
  const { registry } = policy;
  const repeated = repeatedCredentials(req.rawHeaders ?? []);
  if (repeated.length > 0)
    return deny(401, `credential header(s) sent more than once: ${repeated.join(', ')}; send each once`);
  const apiKey = header(req.headers, HEADER.apiKey);
  const key = apiKey === undefined ? undefined : apiKeyHolder(apiKey, registry, policy.now);
  if (key && !key.ok) return key;
  const keyOwner = key?.dipId;
  if (apiKey === undefined && policy.requireApiKey) return deny(401, 'X-API-Key header is required by this DIP');

  const verified = verifiedSigner(req, policy, parseCertificate);
  if (!verified.ok) return verified;
  const { found, signer, fingerprint } = verified;
  const confirmed = confirmedVia(req, policy, signer, keyOwner);
  if (!confirmed.ok) return confirmed;
  const { parts } = found;
  const signed: SignedParts = {
    signerId: signer,
    method: req.method,
    url: req.url,
    signatureDate: parts.date,
    contentHash: parts.hash,
    certificateHeader: parts.certificateHeader,
    certificate: parts.certificate,
    signature: parts.signature,
    certificateFingerprint: fingerprint,
  };
  return { ok: true, caller: { dipId: signer, via: confirmed.via }, certificate: found.certificate, signed };
}

/**
 * The body checked against the signed hash: the call's evidence when it is what was signed, else the
 * refusal. The body is hashed once, for both.
 */
export function verifyBody(body: Uint8Array, signed: SignedParts): { ok: true; evidence: CallEvidence } | Refusal {
  const hashed = checkContentHash(body, signed.contentHash);
  if (!hashed.ok) return bodyRefusal();
  return { ok: true, evidence: { ...signed, bodySha256: hashed.digest.toString('hex') } };
}
