-- When each device last called the relay (to the nearest few minutes): the office's
-- administrators see which PCs are still in use before they revoke one.
CREATE TABLE device_seen (
    office      TEXT NOT NULL,
    device      TEXT NOT NULL,
    at          INTEGER NOT NULL,   -- unix seconds
    PRIMARY KEY (office, device)
);
