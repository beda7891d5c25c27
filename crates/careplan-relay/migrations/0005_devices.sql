-- Devices: an office is several PCs (and CLI profiles), each with its own keys and certificate.
-- A device keeps its id across renewals; certificates issued before devices existed are each a
-- device of their own.
ALTER TABLE certificates ADD COLUMN device TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN device_name TEXT NOT NULL DEFAULT '';
UPDATE certificates SET device = serial WHERE device = '';
CREATE INDEX certificates_device ON certificates(office, device);

-- Which of the recipient's devices fetched a message. Its body is kept until every device it
-- was encrypted to (its signed manifest names their keys) and that is still enrolled has, and
-- it is acknowledged, or until it expires.
CREATE TABLE fetches (
    message_id      TEXT NOT NULL REFERENCES messages(id),
    encryption_key  TEXT NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (message_id, encryption_key)
);
ALTER TABLE messages ADD COLUMN body_held INTEGER NOT NULL DEFAULT 1;
UPDATE messages SET body_held = 0 WHERE state IN ('acknowledged', 'expired');
