-- The same logical schema as migrations/sqlite/0003_replay_requeue.sql.
ALTER TABLE deliveries ADD COLUMN requeue_id TEXT;
CREATE INDEX deliveries_replay ON deliveries (recipient_id, channel, item_seq) WHERE requeue_id IS NULL;
CREATE INDEX deliveries_requeue ON deliveries (requeue_id, state) WHERE requeue_id IS NOT NULL;

CREATE TABLE requeues (
  id            TEXT PRIMARY KEY,
  recipient_id  TEXT NOT NULL,
  channel       TEXT NOT NULL,
  requested_by  TEXT NOT NULL,
  request       TEXT NOT NULL,
  total         INTEGER NOT NULL,
  created_at    BIGINT NOT NULL
);
CREATE INDEX requeues_recipient ON requeues (recipient_id, channel, created_at);
