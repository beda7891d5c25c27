-- One-time codes are single-use: the last 30-second step accepted per office.
ALTER TABLE offices ADD COLUMN totp_last_step INTEGER;
-- When an office was disabled, so that the relay ends the event streams it has open.
ALTER TABLE offices ADD COLUMN disabled_at INTEGER;
CREATE INDEX certificates_revoked ON certificates(revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX offices_disabled ON offices(disabled_at) WHERE disabled_at IS NOT NULL;
