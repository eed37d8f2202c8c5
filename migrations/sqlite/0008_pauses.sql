-- Pauses of the controlled upgrade outage (seed §8.5.2): ingress per channel ('*': every channel) and
-- delivery per endpoint or channel ('*' in recipient_id or role: every one). A row is a pause in force;
-- resuming deletes it. Every process reads this table, so a pause survives restarts and is shared.
CREATE TABLE pauses (
  kind TEXT NOT NULL CHECK (kind IN ('ingress', 'delivery')),
  channel TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  role TEXT NOT NULL,
  reason TEXT,
  retry_after_seconds INTEGER,
  paused_by TEXT NOT NULL,
  paused_at INTEGER NOT NULL,
  PRIMARY KEY (kind, channel, recipient_id, role)
);
