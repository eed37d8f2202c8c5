/**
 * Certificates for tests: a trusted CA, an untrusted one, and certificates for the test market, generated
 * once and cached in the OS temp directory (RSA key generation is the slow part of a test run).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate, type KeyAndCertificate } from '../../src/crypto/devpki.js';
import { DEMO_PARTICIPANTS } from '../../src/demo/market.js';

export interface TestPki {
  ca: KeyAndCertificate;
  otherCa: KeyAndCertificate;
  server: KeyAndCertificate;
  /** The DIP's own signing and mTLS client certificate. */
  dip: KeyAndCertificate;
  /** One signing/mTLS certificate per test-market participant. */
  participants: Record<string, KeyAndCertificate>;
  /** A second certificate for 1000000001, to be registered as well. */
  secondSupplierOne: KeyAndCertificate;
  expired: KeyAndCertificate;
  notYetValid: KeyAndCertificate;
  untrusted: KeyAndCertificate;
  unregistered: KeyAndCertificate;
}

const CACHE = join(tmpdir(), 'opendip-test-pki-v4.json');
const DAY = 86_400_000;

async function generate(): Promise<TestPki> {
  const ca = await createCertificateAuthority('OpenDIP Test CA');
  const otherCa = await createCertificateAuthority('Somebody Else CA');
  const client = (commonName: string, extra: object = {}) =>
    issueCertificate(ca, { commonName, usage: 'client', ...extra });
  const ids = DEMO_PARTICIPANTS.map((p) => p.dipId);
  const [server, dip, secondSupplierOne, expired, notYetValid, untrusted, unregistered, ...certs] = await Promise.all([
    issueCertificate(ca, {
      commonName: 'localhost',
      usage: 'server',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    }),
    client('OpenDIP'),
    client('1000000001'),
    client('1000000001', { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) }),
    client('1000000001', { notBefore: new Date(Date.now() + 30 * DAY), notAfter: new Date(Date.now() + 400 * DAY) }),
    issueCertificate(otherCa, { commonName: '1000000001', usage: 'client' }),
    client('unknown'),
    ...ids.map((id) => client(id)),
  ]);
  return {
    ca,
    otherCa,
    server: server!,
    dip: dip!,
    secondSupplierOne: secondSupplierOne!,
    expired: expired!,
    notYetValid: notYetValid!,
    untrusted: untrusted!,
    unregistered: unregistered!,
    participants: Object.fromEntries(ids.map((id, i) => [id, certs[i]!])),
  };
}

let pending: Promise<TestPki> | null = null;

export function testPki(): Promise<TestPki> {
  pending ??= (async () => {
    if (existsSync(CACHE)) {
      const cached = JSON.parse(readFileSync(CACHE, 'utf8')) as TestPki & { madeAt: number };
      // The "expired" and "not yet valid" certificates stay so for months; regenerate well before that changes.
      if (Date.now() - cached.madeAt < 20 * DAY) return cached;
    }
    const pki = await generate();
    mkdirSync(tmpdir(), { recursive: true });
    const tmp = `${CACHE}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ ...pki, madeAt: Date.now() }));
    renameSync(tmp, CACHE);
    return pki;
  })();
  return pending;
}
