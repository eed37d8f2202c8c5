-- Entitlement by role. A participant may give some of its roles to a DIP Connection Provider and keep
-- others itself, on the same channel: webhooks are configured per recipient, channel and role, where the
-- role '' is the participant's own configuration for the channel and serves every role without one.
CREATE TABLE webhooks_by_role (
  recipient_id       TEXT NOT NULL,
  channel            TEXT NOT NULL,
  role               TEXT NOT NULL,          -- '' for the participant's own, channel-wide configuration
  callback_url       TEXT NOT NULL,
  max_message_count  INTEGER NOT NULL,
  max_payload_kb     INTEGER NOT NULL,
  configured_by      TEXT NOT NULL,
  updated_at         INTEGER NOT NULL,
  PRIMARY KEY (recipient_id, channel, role)
);
-- A participant's own webhooks stay channel-wide. One a DCP configured served every role of the
-- participant; it now serves the roles the DCP was granted (and no longer any other).
INSERT INTO webhooks_by_role
  SELECT recipient_id, channel, '', callback_url, max_message_count, max_payload_kb, configured_by, updated_at
  FROM webhooks WHERE configured_by = recipient_id;
INSERT INTO webhooks_by_role
  SELECT w.recipient_id, w.channel, g.role, w.callback_url, w.max_message_count, w.max_payload_kb, w.configured_by, w.updated_at
  FROM webhooks w JOIN dcp_grants g ON g.participant_id = w.recipient_id AND g.dcp_id = w.configured_by
  WHERE w.configured_by <> w.recipient_id;
DROP TABLE webhooks;
ALTER TABLE webhooks_by_role RENAME TO webhooks;

-- A status message is about a message its recipient sent in a role: it is delivered, replayed and shown
-- in that role. '' for status messages written before roles were kept: the participant's own.
ALTER TABLE status_messages ADD COLUMN role TEXT NOT NULL DEFAULT '';

-- The recipient's role of an Outbound journal entry (null before roles were kept: the participant's own).
ALTER TABLE journal ADD COLUMN role TEXT;

-- The roles a requeue covers, as a JSON array (null before roles were kept: the participant's own).
ALTER TABLE requeues ADD COLUMN roles TEXT;
