-- A second factor for a member of staff (administrators, above all): the TOTP secret and the
-- last 30-second step accepted, so each code is good once.
ALTER TABLE staff ADD COLUMN totp_secret TEXT;
ALTER TABLE staff ADD COLUMN totp_last_step INTEGER;
