-- Replay, requeue and audit search. A requeued copy is a new row in deliveries naming its requeue; the original copies
-- (requeue_id NULL) say what each recipient is entitled to replay.
ALTER TABLE deliveries ADD COLUMN requeue_id TEXT;
CREATE INDEX deliveries_replay ON deliveries (recipient_id, channel, item_seq) WHERE requeue_id IS NULL;
CREATE INDEX deliveries_requeue ON deliveries (requeue_id, state) WHERE requeue_id IS NOT NULL;

-- One row per requeue request: what it asked for and how many copies it made.
CREATE TABLE requeues (
  id            TEXT PRIMARY KEY,
  recipient_id  TEXT NOT NULL,
  channel       TEXT NOT NULL,            -- the channel, or STATUS
  requested_by  TEXT NOT NULL,
  request       TEXT NOT NULL,            -- the MessageRequest or StatusMessageRequest, as JSON
  total         INTEGER NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX requeues_recipient ON requeues (recipient_id, channel, created_at);

-- Replay and audit by MPAN.
CREATE INDEX messages_mpan ON messages (mpan, received_at) WHERE mpan IS NOT NULL;
-- Audit search by correlation id (partial: most channels have none) and by sender.
CREATE INDEX messages_correlation ON messages (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX messages_sender ON messages (sender_id, seq);
