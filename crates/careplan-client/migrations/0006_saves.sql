-- What this device did that the relay's audit and the office's other devices should know (a
-- received file saved, the history exported), kept until the relay has it.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,      -- the report as JSON (careplan_protocol::ActivityReport)
    created_at  INTEGER NOT NULL
);

-- Where and by whom the office's devices saved its received files, as the relay lists them.
CREATE TABLE office_saves (
    seq         INTEGER PRIMARY KEY,    -- the relay's cursor
    relay_id    TEXT NOT NULL,
    device_name TEXT NOT NULL,
    here        INTEGER NOT NULL,       -- 1: saved by this device
    person      TEXT,
    place       TEXT NOT NULL,
    again       INTEGER NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX office_saves_relay_id ON office_saves (relay_id);
