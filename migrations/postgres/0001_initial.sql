-- The same logical schema as migrations/sqlite/0001_initial.sql. Times are epoch milliseconds (BIGINT).
-- The archive and the journal are partitioned by month (see opendip_ensure_partitions below), so that
-- retention drops whole partitions and time-bounded queries touch only the months they name.

CREATE TABLE participants (
  dip_id      TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE participant_roles (
  dip_id  TEXT NOT NULL REFERENCES participants(dip_id) ON DELETE CASCADE,
  role    TEXT NOT NULL,
  PRIMARY KEY (dip_id, role)
);

CREATE TABLE dcp_grants (
  participant_id  TEXT NOT NULL REFERENCES participants(dip_id) ON DELETE CASCADE,
  role            TEXT NOT NULL,
  dcp_id          TEXT NOT NULL REFERENCES participants(dip_id) ON DELETE CASCADE,
  PRIMARY KEY (participant_id, role)
);

CREATE TABLE certificates (
  fingerprint  TEXT PRIMARY KEY,
  dip_id       TEXT NOT NULL REFERENCES participants(dip_id) ON DELETE CASCADE,
  subject      TEXT NOT NULL,
  not_after    BIGINT NOT NULL,
  pem          TEXT NOT NULL,
  created_at   BIGINT NOT NULL
);

CREATE TABLE api_keys (
  key_hash    TEXT PRIMARY KEY,
  dip_id      TEXT NOT NULL REFERENCES participants(dip_id) ON DELETE CASCADE,
  label       TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);

-- Transaction sequence numbers. On PostgreSQL a number carries its day: seq = day × 2^36 + n, where day
-- counts days since 1970-01-01 (UTC); the first reservation of a day jumps to that day's base. Numbers
-- stay unique and increasing, and the archive is partitioned by them, so a lookup by transaction id
-- touches one partition.
CREATE TABLE sequences (
  name        TEXT PRIMARY KEY,
  next_value  BIGINT NOT NULL
);
INSERT INTO sequences (name, next_value) VALUES ('transaction', 1);

-- The archive: one row per accepted message, append-only, partitioned by month of seq.
CREATE TABLE messages (
  seq                    BIGINT NOT NULL,
  transaction_id         TEXT NOT NULL,
  channel                TEXT NOT NULL,
  event_code             TEXT NOT NULL,
  schema_version         TEXT NOT NULL,
  sur                    TEXT NOT NULL,
  sender_id              TEXT NOT NULL,
  sender_role            TEXT NOT NULL,
  dcp_id                 TEXT,
  caller_id              TEXT NOT NULL,
  correlation_id         TEXT,
  sender_correlation_id  TEXT,
  mpan                   TEXT,
  received_at            BIGINT NOT NULL,
  request_id             TEXT NOT NULL,
  payload                BYTEA NOT NULL,
  PRIMARY KEY (seq)
) PARTITION BY RANGE (seq);
-- Payloads are JSON and compress about five to one; lz4 where the server has it (pglz otherwise).
DO $$ BEGIN
  ALTER TABLE messages ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL;
END $$;
CREATE TABLE messages_default PARTITION OF messages DEFAULT;
CREATE INDEX messages_channel_time ON messages (channel, received_at);
CREATE INDEX messages_sur ON messages (sur);
CREATE INDEX messages_mpan ON messages (mpan, received_at) WHERE mpan IS NOT NULL;
CREATE INDEX messages_correlation ON messages (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX messages_sender ON messages (sender_id, received_at);

-- SUR uniqueness across every partition (a partitioned table's unique indexes are per partition):
-- one row per accepted SUR, inserted in the accepting transaction.
CREATE TABLE message_refs (
  sur  TEXT PRIMARY KEY,
  seq  BIGINT NOT NULL
);
CREATE INDEX message_refs_seq ON message_refs (seq);

-- The journal, partitioned by month of its time.
CREATE SEQUENCE journal_id_seq;
CREATE TABLE journal (
  id              BIGINT NOT NULL DEFAULT nextval('journal_id_seq'),
  at              BIGINT NOT NULL,
  stage           TEXT NOT NULL,
  status          TEXT NOT NULL,
  status_code     INTEGER NOT NULL,
  message_seq     BIGINT,
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
) PARTITION BY RANGE (at);
CREATE TABLE journal_default PARTITION OF journal DEFAULT;
CREATE INDEX journal_message ON journal (message_seq, id) WHERE message_seq IS NOT NULL;
CREATE INDEX journal_rejected_sur ON journal (sur) WHERE message_seq IS NULL;
CREATE INDEX journal_recipient ON journal (recipient, at) WHERE recipient IS NOT NULL;

CREATE TABLE api_calls (
  id           BIGSERIAL PRIMARY KEY,
  at           BIGINT NOT NULL,
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

-- Creates the monthly partitions of the archive and the journal for the month holding at_ms and the
-- `months` that follow; returns how many it created. Partitions are named messages_yYYYYmMM and
-- journal_yYYYYmMM. A month whose rows already sit in the default partition is left to the operator.
CREATE FUNCTION opendip_ensure_partitions(at_ms BIGINT, months INTEGER) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
  first_month DATE := date_trunc('month', to_timestamp(at_ms / 1000.0) AT TIME ZONE 'UTC')::date;
  m DATE;
  next_m DATE;
  suffix TEXT;
  created INTEGER := 0;
BEGIN
  FOR i IN 0..months LOOP
    m := (first_month + make_interval(months => i))::date;
    next_m := (m + interval '1 month')::date;
    suffix := to_char(m, '"y"YYYY"m"MM');
    -- A month whose rows already sit in the default partition cannot be created; the others still are.
    BEGIN
      IF to_regclass('messages_' || suffix) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF messages FOR VALUES FROM (%s) TO (%s)', 'messages_' || suffix,
          (m - DATE '1970-01-01')::bigint * 68719476736, (next_m - DATE '1970-01-01')::bigint * 68719476736);
        created := created + 1;
      END IF;
    EXCEPTION WHEN check_violation THEN
      RAISE WARNING 'partition messages_% not created: its rows are in messages_default', suffix;
    END;
    BEGIN
      IF to_regclass('journal_' || suffix) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF journal FOR VALUES FROM (%s) TO (%s)', 'journal_' || suffix,
          (m - DATE '1970-01-01')::bigint * 86400000, (next_m - DATE '1970-01-01')::bigint * 86400000);
        created := created + 1;
      END IF;
    EXCEPTION WHEN check_violation THEN
      RAISE WARNING 'partition journal_% not created: its rows are in journal_default', suffix;
    END;
  END LOOP;
  RETURN created;
END $$;

SELECT opendip_ensure_partitions((extract(epoch FROM now()) * 1000)::bigint, 2);
