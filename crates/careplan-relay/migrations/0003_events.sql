-- Events for offices (new message, receipt, expiry), kept so that a client can resume its
-- event stream from the last id it saw, across reconnects and relay restarts.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    office      TEXT NOT NULL,
    kind        TEXT NOT NULL,            -- message | receipt | expired
    message_id  TEXT,
    data        TEXT NOT NULL,            -- JSON
    at          INTEGER NOT NULL
);
CREATE INDEX events_office ON events(office, seq);
