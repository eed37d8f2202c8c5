-- Registry: participants, their roles, DIP Connection Provider grants, signing certificates, API keys.
CREATE TABLE participants (
  dip_id      TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE participant_roles (
  dip_id  TEXT NOT NULL REFERENCES participants(dip_id) ON DELETE CASCADE,
  role    TEXT NOT NULL,
  PRIMARY KEY (dip_id, role)
);

-- A participant assigns each of its roles to at most one DCP (seed §4.1).
CREATE TABLE dcp_grants (
  participant_id  TEXT NOT NULL REFERENCES participants(dip_id) ON DELETE CASCADE,
  role            TEXT NOT NULL,
  dcp_id          TEXT NOT NULL REFERENCES participants(dip_id) ON DELETE CASCADE,
  PRIMARY KEY (participant_id, role)
);

CREATE TABLE certificates (
  fingerprint  TEXT PRIMARY KEY,          -- SHA-256 of the DER, hex
  dip_id       TEXT NOT NULL REFERENCES participants(dip_id) ON DELETE CASCADE,
  subject      TEXT NOT NULL,
  not_after    INTEGER NOT NULL,
  pem          TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);

CREATE TABLE api_keys (
  key_hash    TEXT PRIMARY KEY,           -- SHA-256 of the key, hex; the key itself is not kept
  dip_id      TEXT NOT NULL REFERENCES participants(dip_id) ON DELETE CASCADE,
  label       TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE sequences (
  name        TEXT PRIMARY KEY,
  next_value  INTEGER NOT NULL
);
INSERT INTO sequences (name, next_value) VALUES ('transaction', 1);

-- The archive: one row per accepted message, append-only. seq is the hex tail of the transaction id,
-- so lookups by transaction id use the primary key.
CREATE TABLE messages (
  seq                    INTEGER PRIMARY KEY,
  transaction_id         TEXT NOT NULL,
  channel                TEXT NOT NULL,
  event_code             TEXT NOT NULL,
  schema_version         TEXT NOT NULL,
  sur                    TEXT NOT NULL UNIQUE,
  sender_id              TEXT NOT NULL,
  sender_role            TEXT NOT NULL,
  dcp_id                 TEXT,
  caller_id              TEXT NOT NULL,
  correlation_id         TEXT,
  sender_correlation_id  TEXT,
  mpan                   TEXT,
  received_at            INTEGER NOT NULL,
  request_id             TEXT NOT NULL,
  payload                BLOB NOT NULL
);
CREATE INDEX messages_channel_time ON messages (channel, received_at);

-- The journal: what happened to each message, stage by stage (DIPJournalRecord).
CREATE TABLE journal (
  id              INTEGER PRIMARY KEY,
  at              INTEGER NOT NULL,
  stage           TEXT NOT NULL,
  status          TEXT NOT NULL,
  status_code     INTEGER NOT NULL,
  message_seq     INTEGER,
  transaction_id  TEXT,
  sur             TEXT,
  channel         TEXT NOT NULL,
  event_code      TEXT,
  sender_id       TEXT,
  mpan            TEXT,
  correlation_id  TEXT,
  recipient       TEXT,
  message         TEXT,
  reason          TEXT,
  duration_ms     INTEGER NOT NULL
);
CREATE INDEX journal_message ON journal (message_seq) WHERE message_seq IS NOT NULL;
-- Rejected messages have no archive row; they are found by their SUR.
CREATE INDEX journal_rejected_sur ON journal (sur) WHERE message_seq IS NULL;

-- Every API call: who, what, when, outcome, latency (seed §7).
CREATE TABLE api_calls (
  id           INTEGER PRIMARY KEY,
  at           INTEGER NOT NULL,
  request_id   TEXT NOT NULL,
  caller_id    TEXT,
  method       TEXT NOT NULL,
  path         TEXT NOT NULL,
  channel      TEXT,
  status       INTEGER NOT NULL,
  messages     INTEGER NOT NULL,
  accepted     INTEGER NOT NULL,
  duration_ms  INTEGER NOT NULL,
  remote       TEXT,
  outcome      TEXT
);
CREATE INDEX api_calls_time ON api_calls (at);
