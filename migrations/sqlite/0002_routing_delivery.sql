-- Who serves each MPAN, with effective dates: fed by registration messages and bulk imports.
CREATE TABLE mpan_services (
  mpan            TEXT NOT NULL,
  service         TEXT NOT NULL,           -- SUP, LDSO, MS, DS, MDR, REGS
  participant_id  TEXT NOT NULL,
  effective_from  INTEGER NOT NULL,
  effective_to    INTEGER,                 -- null: open
  source_seq      INTEGER,                 -- the message that said so; null for an import
  PRIMARY KEY (mpan, service, effective_from, participant_id)
);

-- What the DIP resolved for each message: recipients by kind, for A0 on egress and the journal.
ALTER TABLE messages ADD COLUMN recipients TEXT;

-- Webhooks: per recipient and channel ('STATUS' for status messages).
CREATE TABLE webhooks (
  recipient_id       TEXT NOT NULL,
  channel            TEXT NOT NULL,
  callback_url       TEXT NOT NULL,
  max_message_count  INTEGER NOT NULL,
  max_payload_kb     INTEGER NOT NULL,
  configured_by      TEXT NOT NULL,
  updated_at         INTEGER NOT NULL,
  PRIMARY KEY (recipient_id, channel)
);

-- Status messages the DIP sends to a sender's status webhook: Level 2 (addressing), relayed Level 3/4,
-- and dead-letter notices.
CREATE TABLE status_messages (
  id              INTEGER PRIMARY KEY,
  recipient_id    TEXT NOT NULL,           -- the original sender, who receives the status
  message_seq     INTEGER,                 -- the message it is about
  item            TEXT NOT NULL,           -- the StandardResponseBodyType, as JSON
  created_at      INTEGER NOT NULL
);
CREATE INDEX status_messages_message ON status_messages (message_seq) WHERE message_seq IS NOT NULL;

-- One row per copy to deliver: a message to a (recipient, role), or a status message to its recipient.
CREATE TABLE deliveries (
  id                INTEGER PRIMARY KEY,
  kind              TEXT NOT NULL,         -- message | status
  item_seq          INTEGER NOT NULL,      -- messages.seq or status_messages.id
  recipient_id      TEXT NOT NULL,
  role              TEXT NOT NULL,         -- the role the recipient receives a message in; '' for a status message
  channel           TEXT NOT NULL,         -- the message's channel, or STATUS
  state             TEXT NOT NULL,         -- pending, delivered, rejected, held, dead
  created_at        INTEGER NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  first_failure_at  INTEGER,
  next_attempt_at   INTEGER NOT NULL,
  last_attempt_at   INTEGER,
  last_status       INTEGER,
  last_error        TEXT,
  publication_id    TEXT
);
CREATE INDEX deliveries_due ON deliveries (recipient_id, channel, role, next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX deliveries_item ON deliveries (kind, item_seq);

-- Delivery state per endpoint (recipient × role × channel; the role is '' for status messages): when it
-- is next due, its circuit breaker, its lease. A webhook serves every role of its recipient on a channel,
-- but each role has its own calls, so that X-DIP-MPO can say which role a call is for.
CREATE TABLE endpoints (
  recipient_id  TEXT NOT NULL,
  channel       TEXT NOT NULL,
  role          TEXT NOT NULL,
  next_due_at   INTEGER,                   -- null: nothing to send, or no webhook yet
  breaker       TEXT NOT NULL DEFAULT '{"state":"closed","failures":0}',
  lease_owner   TEXT,
  lease_until   INTEGER,
  PRIMARY KEY (recipient_id, channel, role)
);
CREATE INDEX endpoints_due ON endpoints (next_due_at) WHERE next_due_at IS NOT NULL;
