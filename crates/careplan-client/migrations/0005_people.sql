-- Who handled each file: the member of staff signed in when a file was queued (sent), who sent
-- it at the partner (from its signed manifest) and who was signed in here when it was received.
ALTER TABLE sent ADD COLUMN person TEXT;
ALTER TABLE received ADD COLUMN sent_by TEXT;
ALTER TABLE received ADD COLUMN received_by TEXT;
