-- Credentials have a life: a certificate may be registered ahead of its use (rotation) and is refused
-- until active_from; a certificate or an API key is retired by deactivation (in the normal course, at a
-- time that may be ahead, the old credential serving until then) or revocation (compromised: at once).
-- All null: in force from registration until its certificate expires, as before.
ALTER TABLE certificates ADD COLUMN active_from BIGINT;
ALTER TABLE certificates ADD COLUMN deactivated_at BIGINT;
ALTER TABLE certificates ADD COLUMN revoked_at BIGINT;
ALTER TABLE api_keys ADD COLUMN deactivated_at BIGINT;
ALTER TABLE api_keys ADD COLUMN revoked_at BIGINT;
