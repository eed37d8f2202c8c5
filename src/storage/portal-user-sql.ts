/** What both backends share about portal users (migration 0011): the row of a user as a PortalUser. */
import type { PortalUser } from '../domain/portal-user.js';
import { optionalNumber, type Row } from './rows.js';

export const toPortalUser = (r: Row): PortalUser => ({
  username: r.username as string,
  dipId: r.dip_id as string,
  passwordHash: (r.password_hash as string | null) ?? null,
  passwordSetAt: optionalNumber(r.password_set_at),
  linkHash: (r.link_hash as string | null) ?? null,
  linkExpiresAt: optionalNumber(r.link_expires_at),
  createdBy: r.created_by as string,
  createdAt: Number(r.created_at),
});
