/**
 * Portal users on SQLite (migration 0011). Each operation is one statement, so a kill -9 leaves a link
 * issued or not, and a link spent together with the password it set, or neither.
 */
import type { PortalLink, PortalUser } from '../../domain/portal-user.js';
import { toPortalUser } from '../portal-user-sql.js';
import type { Row } from '../rows.js';
import { statement, type Sqlite } from './context.js';

// A new link clears the password (a reset), but never moves a username to another participant.
const issue = statement(
  `INSERT INTO portal_users (username, dip_id, link_hash, link_expires_at, created_by, created_at)
     VALUES (@username, @dipId, @linkHash, @expiresAt, @issuedBy, @at)
     ON CONFLICT (username) DO UPDATE SET link_hash = excluded.link_hash, link_expires_at = excluded.link_expires_at,
       password_hash = NULL, password_set_at = NULL
     WHERE portal_users.dip_id = excluded.dip_id`,
);
const redeem = statement(
  `UPDATE portal_users SET password_hash = ?, password_set_at = ?, link_hash = NULL, link_expires_at = NULL
     WHERE link_hash = ? AND link_expires_at > ? RETURNING *`,
);
const byName = statement('SELECT * FROM portal_users WHERE username = ?');
const byLink = statement('SELECT * FROM portal_users WHERE link_hash = ? AND link_expires_at > ?');
const ofParticipant = statement('SELECT * FROM portal_users WHERE dip_id = ? ORDER BY username');
const everyone = statement('SELECT * FROM portal_users ORDER BY dip_id, username');
const remove = statement('DELETE FROM portal_users WHERE username = ?');

export async function issuePortalLink(c: Sqlite, link: PortalLink): Promise<boolean> {
  return issue(c).run({ ...link }).changes > 0;
}

export async function redeemPortalLink(
  c: Sqlite,
  linkHash: string,
  passwordHash: string,
  now: number,
): Promise<PortalUser | null> {
  const row = redeem(c).get(passwordHash, now, linkHash, now) as Row | undefined;
  return row ? toPortalUser(row) : null;
}

export async function portalUser(c: Sqlite, username: string): Promise<PortalUser | null> {
  const row = byName(c).get(username) as Row | undefined;
  return row ? toPortalUser(row) : null;
}

export async function portalUserByLink(c: Sqlite, linkHash: string, now: number): Promise<PortalUser | null> {
  const row = byLink(c).get(linkHash, now) as Row | undefined;
  return row ? toPortalUser(row) : null;
}

export async function portalUsers(c: Sqlite, dipId: string | null): Promise<PortalUser[]> {
  const rows = (dipId === null ? everyone(c).all() : ofParticipant(c).all(dipId)) as Row[];
  return rows.map(toPortalUser);
}

export async function removePortalUser(c: Sqlite, username: string): Promise<boolean> {
  return remove(c).run(username).changes > 0;
}
