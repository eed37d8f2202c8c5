-- The participant an operator acted for (the operator API's replay and requeue on a participant's behalf):
-- the call's row names the operator as caller_id and the participant here; NULL for a call made as oneself.
-- A nullable column without a default: adding it rewrites no existing row.
ALTER TABLE api_calls ADD COLUMN on_behalf_of TEXT;
