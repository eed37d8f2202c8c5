-- The operator's queue: held and dead copies in the order the operator API lists them (pending ones already
-- have deliveries_due in the same order). Partial, so a copy costs nothing here until it is held or dead.
CREATE INDEX deliveries_stuck ON deliveries (recipient_id, channel, role, next_attempt_at, id) WHERE state IN ('held', 'dead');
