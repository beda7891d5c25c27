-- Each received file remembers the sender's idempotency key from its signed manifest: a second
-- message carrying a manifest already accepted (a replay, or a copy a relay insider made) is
-- refused, not saved again.
ALTER TABLE received ADD COLUMN manifest_key TEXT;
CREATE INDEX received_manifest ON received (sender, manifest_key);
