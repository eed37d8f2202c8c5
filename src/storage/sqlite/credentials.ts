/**
 * A credential's life on SQLite: a certificate registered ahead of a rotation, and the retirement of a
 * certificate or an API key. Each is one statement: a kill -9 leaves it done or not done.
 */
import type { CredentialKind, Retirement } from '../../domain/credentials.js';
import type { CertificateRecord } from '../../domain/model.js';
import { statement, type Sqlite } from './context.js';

// Registering a certificate again names its owner and activation afresh (retirement stays: it is not undone by this).
const certificate = statement(
  `INSERT INTO certificates (fingerprint, dip_id, subject, not_after, pem, created_at, active_from) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (fingerprint) DO UPDATE SET dip_id = excluded.dip_id, active_from = excluded.active_from`,
);
const retire = {
  'certificate:deactivated': statement('UPDATE certificates SET deactivated_at = ? WHERE fingerprint = ?'),
  'certificate:revoked': statement('UPDATE certificates SET revoked_at = ? WHERE fingerprint = ?'),
  'api-key:deactivated': statement('UPDATE api_keys SET deactivated_at = ? WHERE key_hash = ?'),
  'api-key:revoked': statement('UPDATE api_keys SET revoked_at = ? WHERE key_hash = ?'),
};

export async function addCertificate(c: Sqlite, cert: CertificateRecord): Promise<void> {
  certificate(c).run(
    cert.fingerprint,
    cert.dipId,
    cert.subject,
    cert.notAfter,
    cert.pem,
    Date.now(),
    cert.activeFrom ?? null,
  );
}

/** Retires a certificate (by fingerprint) or an API key (by its hash) from `at`; false when there is none. */
export async function retireCredential(
  c: Sqlite,
  kind: CredentialKind,
  id: string,
  how: Retirement,
  at: number,
): Promise<boolean> {
  return retire[`${kind}:${how}`](c).run(at, id).changes > 0;
}
