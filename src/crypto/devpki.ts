/**
 * A development PKI: a CA, a TLS server certificate and signing/client certificates for participants.
 * Keys come from node:crypto (fast, native); node-forge only assembles and signs the X.509 structures,
 * which node:crypto cannot create.
 */
import { generateKeyPair as generateKeyPairCb, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';
import type forge from 'node-forge';

const generateKeyPair = promisify(generateKeyPairCb);

type Forge = typeof forge;
let loaded: Forge | undefined;
/** node-forge on first use: most `opendip` commands never make a certificate, and it costs each a tenth of a second to load. */
async function loadForge(): Promise<Forge> {
  loaded ??= (await import('node-forge')).default;
  return loaded;
}

export interface KeyAndCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

async function rsaKeyPair(): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const { publicKey, privateKey } = await generateKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

function baseCertificate(
  forge: Forge,
  publicKeyPem: string,
  commonName: string,
  notBefore: Date,
  notAfter: Date,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  // Positive 128-bit serial: the high bit cleared keeps the DER INTEGER positive.
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'OpenDIP development' },
  ]);
  return cert;
}

/**
 * Signs the certificate as forge's cert.sign would (sha256WithRSAEncryption over the DER TBSCertificate),
 * but with node:crypto: forge's pure-JS RSA takes a tenth of a second per signature.
 */
function signWith(forge: Forge, cert: forge.pki.Certificate, keyPem: string): void {
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  const c = cert as forge.pki.Certificate & {
    siginfo: { algorithmOid: string };
    signatureOid: string;
    tbsCertificate: forge.asn1.Asn1;
  };
  c.signatureOid = oid;
  c.siginfo.algorithmOid = oid;
  // Present at runtime, missing from @types/node-forge.
  c.tbsCertificate = (
    forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }
  ).getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(c.tbsCertificate).getBytes(), 'binary');
  c.signature = sign('sha256', tbs, keyPem).toString('binary');
}

export interface Validity {
  notBefore?: Date;
  notAfter?: Date;
}

const DAY = 86_400_000;
const defaults = (v: Validity, days: number): { notBefore: Date; notAfter: Date } => ({
  notBefore: v.notBefore ?? new Date(Date.now() - DAY),
  notAfter: v.notAfter ?? new Date(Date.now() + days * DAY),
});

export async function createCertificateAuthority(
  commonName: string,
  validity: Validity = {},
): Promise<KeyAndCertificate> {
  const [forge, { publicKeyPem, privateKeyPem }] = await Promise.all([loadForge(), rsaKeyPair()]);
  const { notBefore, notAfter } = defaults(validity, 3650);
  const cert = baseCertificate(forge, publicKeyPem, commonName, notBefore, notAfter);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signWith(forge, cert, privateKeyPem);
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem };
}

export interface LeafRequest extends Validity {
  commonName: string;
  /** server: TLS server certificate with these DNS names/IPs; client: signing and mTLS client certificate. */
  usage: 'server' | 'client';
  dnsNames?: string[];
  ipAddresses?: string[];
}

export async function issueCertificate(ca: KeyAndCertificate, request: LeafRequest): Promise<KeyAndCertificate> {
  const [forge, { publicKeyPem, privateKeyPem }] = await Promise.all([loadForge(), rsaKeyPair()]);
  const { notBefore, notAfter } = defaults(request, 825);
  const cert = baseCertificate(forge, publicKeyPem, request.commonName, notBefore, notAfter);
  const caCert = forge.pki.certificateFromPem(ca.certificatePem);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(request.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    request.usage === 'server' ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signWith(forge, cert, ca.privateKeyPem);
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem };
}
