/**
 * Portal users on PostgreSQL (migration 0011), shared by every process of the DIP. Each operation is one
 * statement, so a kill -9 leaves a link issued or not, and a link spent together with the password it
 * set, or neither; two browsers following one link race on one row, and one of them wins.
 */
import type { PortalLink, PortalUser } from '../../domain/portal-user.js';
import { toPortalUser } from '../portal-user-sql.js';
import type { Row } from '../rows.js';
import type { Postgres } from './pool.js';

export async function issuePortalLink(c: Postgres, l: PortalLink): Promise<boolean> {
  // A new link clears the password (a reset), but never moves a username to another participant.
  const r = await c.pool.query(
    `INSERT INTO portal_users (username, dip_id, link_hash, link_expires_at, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (username) DO UPDATE SET link_hash = excluded.link_hash, link_expires_at = excluded.link_expires_at,
         password_hash = NULL, password_set_at = NULL
       WHERE portal_users.dip_id = excluded.dip_id`,
    [l.username, l.dipId, l.linkHash, l.expiresAt, l.issuedBy, l.at],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function redeemPortalLink(
  c: Postgres,
  linkHash: string,
  passwordHash: string,
  now: number,
): Promise<PortalUser | null> {
  const r = await c.pool.query(
    `UPDATE portal_users SET password_hash = $1, password_set_at = $2, link_hash = NULL, link_expires_at = NULL
       WHERE link_hash = $3 AND link_expires_at > $2 RETURNING *`,
    [passwordHash, now, linkHash],
  );
  return r.rows[0] ? toPortalUser(r.rows[0] as Row) : null;
}

export async function portalUser(c: Postgres, username: string): Promise<PortalUser | null> {
  const r = await c.pool.query('SELECT * FROM portal_users WHERE username = $1', [username]);
  return r.rows[0] ? toPortalUser(r.rows[0] as Row) : null;
}

export async function portalUserByLink(c: Postgres, linkHash: string, now: number): Promise<PortalUser | null> {
  const r = await c.pool.query('SELECT * FROM portal_users WHERE link_hash = $1 AND link_expires_at > $2', [
    linkHash,
    now,
  ]);
  return r.rows[0] ? toPortalUser(r.rows[0] as Row) : null;
}

export async function portalUsers(c: Postgres, dipId: string | null): Promise<PortalUser[]> {
  const r =
    dipId === null
      ? await c.pool.query('SELECT * FROM portal_users ORDER BY dip_id, username')
      : await c.pool.query('SELECT * FROM portal_users WHERE dip_id = $1 ORDER BY username', [dipId]);
  return (r.rows as Row[]).map(toPortalUser);
}

export async function removePortalUser(c: Postgres, username: string): Promise<boolean> {
  const r = await c.pool.query('DELETE FROM portal_users WHERE username = $1', [username]);
  return (r.rowCount ?? 0) > 0;
}
