-- Evidence for repudiation (seed §7): for every call whose signature and body the DIP verified, the four
-- signature headers exactly as received, what they were verified against, and what the DIP computed.
-- A table of its own, keyed by the request id every archived message carries: the audit record finds a
-- message's evidence by primary key, and adding it needs no index built over an existing api_calls.
CREATE TABLE call_evidence (
  request_id               TEXT PRIMARY KEY,
  signer_id                TEXT NOT NULL,   -- the participant the certificate was registered to at the time
  signed_method            TEXT NOT NULL,
  signed_url               TEXT NOT NULL,   -- the absolute public URL, before lower-casing
  signature_date           TEXT NOT NULL,   -- X-DIP-Signature-Date
  content_hash             TEXT NOT NULL,   -- X-DIP-Content-Hash
  certificate_header       TEXT NOT NULL,   -- 'X-DIP-Signature-Certificate', or 'X-DIP-Certificate' from older clients
  certificate              TEXT NOT NULL,   -- that header's value
  signature                TEXT NOT NULL,   -- X-DIP-Signature
  certificate_fingerprint  TEXT NOT NULL,   -- SHA-256 hex of the certificate's DER
  body_sha256              TEXT NOT NULL    -- SHA-256 hex of the body bytes the DIP read
);
