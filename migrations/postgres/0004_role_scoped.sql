-- The same logical schema as migrations/sqlite/0004_role_scoped.sql.
ALTER TABLE webhooks ADD COLUMN role TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks DROP CONSTRAINT webhooks_pkey;
ALTER TABLE webhooks ADD PRIMARY KEY (recipient_id, channel, role);
INSERT INTO webhooks (recipient_id, channel, role, callback_url, max_message_count, max_payload_kb, configured_by, updated_at)
  SELECT w.recipient_id, w.channel, g.role, w.callback_url, w.max_message_count, w.max_payload_kb, w.configured_by, w.updated_at
  FROM webhooks w JOIN dcp_grants g ON g.participant_id = w.recipient_id AND g.dcp_id = w.configured_by
  WHERE w.configured_by <> w.recipient_id AND w.role = '';
DELETE FROM webhooks WHERE configured_by <> recipient_id AND role = '';

ALTER TABLE status_messages ADD COLUMN role TEXT NOT NULL DEFAULT '';
ALTER TABLE journal ADD COLUMN role TEXT;
ALTER TABLE requeues ADD COLUMN roles TEXT;
