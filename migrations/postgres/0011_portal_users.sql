-- Portal users: people who sign in to the portal for a participant (an operator's people for the operator
-- participant). An operator issues a one-time sign-in link (only its SHA-256 is kept, with its expiry);
-- following it, the user sets a password (scrypt, in password_hash) and the link is spent in the same
-- statement. Issuing a new link clears the password, so a reset also ends sessions signed in with it.
CREATE TABLE portal_users (
  username TEXT PRIMARY KEY,
  dip_id TEXT NOT NULL,
  password_hash TEXT,
  password_set_at BIGINT,
  link_hash TEXT UNIQUE,
  link_expires_at BIGINT,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX portal_users_by_participant ON portal_users (dip_id, username);
