-- The messages a send refused, by DIP code, as JSON ({"MSG1001": 2}): what a sender's dashboard tallies
-- as its rejects by code. NULL when the call refused no message. A nullable column without a default:
-- adding it rewrites no existing row.
ALTER TABLE api_calls ADD COLUMN rejections TEXT;
