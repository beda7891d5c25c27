-- The office's local record: what it sent and received, and where each stands.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE partners (
    number     TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    favourite  INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);

-- One row per file sent. `sealed` holds the file encrypted to this office's own key until the
-- relay has accepted it, so a queued file survives restarts without lying around in the clear.
CREATE TABLE sent (
    id              INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    file_name       TEXT NOT NULL,
    source_path     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    month           TEXT,
    serial          TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    users           INTEGER NOT NULL,
    size            INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    sealed          BLOB,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    relay_id        TEXT,
    relay_seq       INTEGER,
    receipt         TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX sent_state ON sent (state, next_attempt_at);
CREATE INDEX sent_relay_id ON sent (relay_id);

CREATE TABLE received (
    id           INTEGER PRIMARY KEY,
    relay_id     TEXT NOT NULL UNIQUE,
    relay_seq    INTEGER NOT NULL,
    sender       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    kind         TEXT,
    month        TEXT,
    users        INTEGER,
    size         INTEGER,
    sha256       TEXT,
    state        TEXT NOT NULL,
    saved_path   TEXT,
    reason       TEXT,
    findings     TEXT,
    errors       INTEGER NOT NULL DEFAULT 0,
    warnings     INTEGER NOT NULL DEFAULT 0,
    receipt      TEXT,
    acknowledged INTEGER NOT NULL DEFAULT 0,
    seen         INTEGER NOT NULL DEFAULT 0,
    received_at  INTEGER NOT NULL
);

-- Every state a sent or received file went through, with when: the status timeline.
CREATE TABLE timeline (
    id        INTEGER PRIMARY KEY,
    direction TEXT NOT NULL,
    item      INTEGER NOT NULL,
    state     TEXT NOT NULL,
    at        INTEGER NOT NULL,
    detail    TEXT
);
CREATE INDEX timeline_item ON timeline (direction, item);
