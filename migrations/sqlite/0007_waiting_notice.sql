-- A copy waiting for a webhook longer than --waiting-notice-minutes tells its sender once: the copy keeps
-- when it did, written in the transaction that queues the status message.
ALTER TABLE deliveries ADD COLUMN waiting_noticed_at INTEGER;
-- How far the waiting sweep has walked a parked endpoint's pending copies, as (next attempt, id) along
-- deliveries_due, so that each sweep reads only copies it has not seen before.
ALTER TABLE endpoints ADD COLUMN waiting_swept_at INTEGER;
ALTER TABLE endpoints ADD COLUMN waiting_swept_id INTEGER;
-- Endpoints with nothing due: the parked ones among them are what the sweep walks.
CREATE INDEX endpoints_parked ON endpoints (recipient_id, channel, role) WHERE next_due_at IS NULL;
