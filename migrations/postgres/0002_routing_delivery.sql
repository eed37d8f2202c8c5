-- The same logical schema as migrations/sqlite/0002_routing_delivery.sql.
CREATE TABLE mpan_services (
  mpan            TEXT NOT NULL,
  service         TEXT NOT NULL,
  participant_id  TEXT NOT NULL,
  effective_from  BIGINT NOT NULL,
  effective_to    BIGINT,
  source_seq      BIGINT,
  PRIMARY KEY (mpan, service, effective_from, participant_id)
);

ALTER TABLE messages ADD COLUMN recipients TEXT;

CREATE TABLE webhooks (
  recipient_id       TEXT NOT NULL,
  channel            TEXT NOT NULL,
  callback_url       TEXT NOT NULL,
  max_message_count  INTEGER NOT NULL,
  max_payload_kb     INTEGER NOT NULL,
  configured_by      TEXT NOT NULL,
  updated_at         BIGINT NOT NULL,
  PRIMARY KEY (recipient_id, channel)
);

CREATE TABLE status_messages (
  id              BIGSERIAL PRIMARY KEY,
  recipient_id    TEXT NOT NULL,
  message_seq     BIGINT,
  item            TEXT NOT NULL,
  created_at      BIGINT NOT NULL
);
CREATE INDEX status_messages_message ON status_messages (message_seq) WHERE message_seq IS NOT NULL;

-- The working set of delivery: one row per copy. Rows of messages past retention are purged with them.
CREATE TABLE deliveries (
  id                BIGSERIAL PRIMARY KEY,
  kind              TEXT NOT NULL,
  item_seq          BIGINT NOT NULL,
  recipient_id      TEXT NOT NULL,
  role              TEXT NOT NULL,
  channel           TEXT NOT NULL,
  state             TEXT NOT NULL,
  created_at        BIGINT NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  first_failure_at  BIGINT,
  next_attempt_at   BIGINT NOT NULL,
  last_attempt_at   BIGINT,
  last_status       INTEGER,
  last_error        TEXT,
  publication_id    TEXT
);
CREATE INDEX deliveries_due ON deliveries (recipient_id, channel, role, next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX deliveries_item ON deliveries (kind, item_seq);
CREATE INDEX deliveries_recipient ON deliveries (recipient_id, channel, created_at);

CREATE TABLE endpoints (
  recipient_id  TEXT NOT NULL,
  channel       TEXT NOT NULL,
  role          TEXT NOT NULL,
  next_due_at   BIGINT,
  breaker       TEXT NOT NULL DEFAULT '{"state":"closed","failures":0}',
  lease_owner   TEXT,
  lease_until   BIGINT,
  PRIMARY KEY (recipient_id, channel, role)
);
CREATE INDEX endpoints_due ON endpoints (next_due_at) WHERE next_due_at IS NOT NULL;
