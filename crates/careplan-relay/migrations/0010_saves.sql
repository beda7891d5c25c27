-- Where and by whom the devices of a receiving office saved its files (reported by the
-- devices): each device of the office shows them beside the file, so the office sees which PC
-- put it into the care software's import folder.
CREATE TABLE saves (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    office          TEXT NOT NULL,
    message_id      TEXT NOT NULL REFERENCES messages(id),
    device          TEXT NOT NULL,
    device_name     TEXT NOT NULL,
    person          TEXT,               -- 'name (login)' of the signed-in member of staff
    place           TEXT NOT NULL,
    again           INTEGER NOT NULL,   -- 1: written again from the device's kept copy
    at              INTEGER NOT NULL    -- unix seconds
);
CREATE INDEX saves_office ON saves (office, seq);
CREATE INDEX saves_message ON saves (message_id);
