-- The relay's metadata on PostgreSQL: the same tables as the SQLite migrations arrive at, in
-- PostgreSQL's types (BIGINT for unix times and counts, BOOLEAN for flags). Several relay nodes
-- share one database.
CREATE TABLE offices (
    number          TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('kyotaku', 'service', 'both')),
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash   TEXT NOT NULL,
    totp_secret     TEXT,
    totp_last_step  BIGINT,
    disabled_at     BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX offices_disabled ON offices (disabled_at) WHERE disabled_at IS NOT NULL;

CREATE TABLE certificates (
    serial          TEXT PRIMARY KEY,
    office          TEXT NOT NULL REFERENCES offices (number),
    encryption_key  TEXT NOT NULL,
    pem             TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    not_after       BIGINT NOT NULL,
    revoked_at      BIGINT,
    device          TEXT NOT NULL,
    device_name     TEXT NOT NULL,
    -- Order of issue, where two certificates share a second.
    issued_seq      BIGSERIAL
);
CREATE INDEX certificates_office ON certificates (office);
CREATE INDEX certificates_device ON certificates (office, device);
CREATE INDEX certificates_revoked ON certificates (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE audit (
    seq             BIGINT PRIMARY KEY,   -- given under the chain's lock: no gaps, commit order
    at              BIGINT NOT NULL,      -- unix milliseconds
    event           TEXT NOT NULL,
    office          TEXT,
    message_id      TEXT,
    remote          TEXT,
    detail          TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);

CREATE TABLE messages (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    sender          TEXT NOT NULL REFERENCES offices (number),
    recipient       TEXT NOT NULL REFERENCES offices (number),
    file_name       TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    manifest        TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('stored', 'delivered', 'acknowledged', 'expired')),
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    acknowledged_at BIGINT,
    expires_at      BIGINT NOT NULL,
    receipt         TEXT,
    body_held       BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (sender, idempotency_key)
);
CREATE INDEX messages_inbox ON messages (recipient, seq);
CREATE INDEX messages_sent ON messages (sender, seq);

CREATE TABLE events (
    seq         BIGSERIAL PRIMARY KEY,
    office      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    message_id  TEXT,
    data        TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX events_office ON events (office, seq);

CREATE TABLE fetches (
    message_id      TEXT NOT NULL REFERENCES messages (id),
    encryption_key  TEXT NOT NULL,
    at              BIGINT NOT NULL,
    PRIMARY KEY (message_id, encryption_key)
);

CREATE TABLE staff (
    office          TEXT NOT NULL REFERENCES offices (number),
    login           TEXT NOT NULL,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    password_hash   TEXT NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    totp_secret     TEXT,
    totp_last_step  BIGINT,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (office, login)
);

CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY,
    office          TEXT NOT NULL,
    login           TEXT NOT NULL,
    device          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    FOREIGN KEY (office, login) REFERENCES staff (office, login)
);
CREATE INDEX sessions_person ON sessions (office, login);

CREATE TABLE device_requests (
    id              TEXT PRIMARY KEY,
    office          TEXT NOT NULL REFERENCES offices (number),
    secret_hash     TEXT NOT NULL,
    code            TEXT NOT NULL,
    csr_pem         TEXT NOT NULL,
    encryption_key  TEXT NOT NULL,
    device_name     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'refused')),
    decided_by      TEXT,
    decided_at      BIGINT,
    enrolment       TEXT
);
CREATE INDEX device_requests_office ON device_requests (office, state);

CREATE TABLE login_failures (
    subject         TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    locked_until    BIGINT,
    last_at         BIGINT NOT NULL
);
CREATE INDEX login_failures_last_at ON login_failures (last_at);

CREATE TABLE saves (
    seq             BIGSERIAL PRIMARY KEY,
    office          TEXT NOT NULL,
    message_id      TEXT NOT NULL REFERENCES messages (id),
    device          TEXT NOT NULL,
    device_name     TEXT NOT NULL,
    person          TEXT,
    place           TEXT NOT NULL,
    again           BOOLEAN NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX saves_office ON saves (office, seq);
CREATE INDEX saves_message ON saves (message_id);

CREATE TABLE device_seen (
    office      TEXT NOT NULL,
    device      TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (office, device)
);
