/**
 * A demo participant's key and certificate: the pair already in DATA_DIR/pki/participants/ when it is
 * still good for this market, otherwise a new one. A first start cut short after writing some keys, or a
 * data directory whose database was reset, keeps the credentials its clients were set up with, and a start
 * does not spend a second of CPU per participant generating RSA keys it already has.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { issueCertificate, type KeyAndCertificate } from '../crypto/devpki.js';

/** A certificate this close to expiry is replaced rather than handed to a participant again. */
const MIN_REMAINING_MS = 30 * 86_400_000;

/** The pair at these paths, when its certificate names `dipId`, is issued by `ca`, is valid well beyond now and matches its key. */
export function usableParticipantPair(
  ca: KeyAndCertificate,
  dipId: string,
  paths: { certificatePath: string; privateKeyPath: string },
  now = Date.now(),
): KeyAndCertificate | null {
  if (!existsSync(paths.certificatePath) || !existsSync(paths.privateKeyPath)) return null;
  try {
    const certificatePem = readFileSync(paths.certificatePath, 'utf8');
    const privateKeyPem = readFileSync(paths.privateKeyPath, 'utf8');
    const cert = new X509Certificate(certificatePem);
    const issuer = new X509Certificate(ca.certificatePem);
    const good =
      cert.subject.split('\n').includes(`CN=${dipId}`) &&
      cert.checkIssued(issuer) &&
      cert.verify(issuer.publicKey) &&
      Date.parse(cert.validFrom) <= now &&
      Date.parse(cert.validTo) - now > MIN_REMAINING_MS &&
      cert.checkPrivateKey(createPrivateKey(privateKeyPem));
    return good ? { certificatePem, privateKeyPem } : null;
  } catch {
    // Unreadable or not PEM: issued again, as if it were not there.
    return null;
  }
}

export async function participantPair(
  ca: KeyAndCertificate,
  dipId: string,
  paths: { certificatePath: string; privateKeyPath: string },
): Promise<KeyAndCertificate> {
  return usableParticipantPair(ca, dipId, paths) ?? issueCertificate(ca, { commonName: dipId, usage: 'client' });
}
