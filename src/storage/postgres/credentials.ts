/**
 * A credential's life on PostgreSQL: a certificate registered ahead of a rotation, and the retirement of a
 * certificate or an API key. Each is one statement: a kill -9 leaves it done or not done.
 */
import type { CredentialKind, Retirement } from '../../domain/credentials.js';
import type { CertificateRecord } from '../../domain/model.js';
import type { Postgres } from './pool.js';

const RETIRE: Record<`${CredentialKind}:${Retirement}`, string> = {
  'certificate:deactivated': 'UPDATE certificates SET deactivated_at = $1 WHERE fingerprint = $2',
  'certificate:revoked': 'UPDATE certificates SET revoked_at = $1 WHERE fingerprint = $2',
  'api-key:deactivated': 'UPDATE api_keys SET deactivated_at = $1 WHERE key_hash = $2',
  'api-key:revoked': 'UPDATE api_keys SET revoked_at = $1 WHERE key_hash = $2',
};

export async function addCertificate(c: Postgres, cert: CertificateRecord): Promise<void> {
  // Registering a certificate again names its owner and activation afresh (retirement stays).
  await c.pool.query(
    `INSERT INTO certificates (fingerprint, dip_id, subject, not_after, pem, created_at, active_from) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (fingerprint) DO UPDATE SET dip_id = excluded.dip_id, active_from = excluded.active_from`,
    [cert.fingerprint, cert.dipId, cert.subject, cert.notAfter, cert.pem, Date.now(), cert.activeFrom ?? null],
  );
}

/** Retires a certificate (by fingerprint) or an API key (by its hash) from `at`; false when there is none. */
export async function retireCredential(
  c: Postgres,
  kind: CredentialKind,
  id: string,
  how: Retirement,
  at: number,
): Promise<boolean> {
  return ((await c.pool.query(RETIRE[`${kind}:${how}`], [at, id])).rowCount ?? 0) > 0;
}
