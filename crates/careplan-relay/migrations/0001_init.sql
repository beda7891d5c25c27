-- Offices registered by the relay administrator, their certificates, and the audit log.
CREATE TABLE offices (
    number          TEXT PRIMARY KEY,             -- 10-digit 事業所番号
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('kyotaku', 'service', 'both')),
    active          INTEGER NOT NULL DEFAULT 1,
    password_hash   TEXT NOT NULL,                -- argon2id PHC string
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,                      -- unix seconds
    totp_secret     TEXT,                         -- base32, optional second factor
    created_at      INTEGER NOT NULL
);

CREATE TABLE certificates (
    serial          TEXT PRIMARY KEY,             -- lowercase hex
    office          TEXT NOT NULL REFERENCES offices(number),
    encryption_key  TEXT NOT NULL,                -- age X25519 recipient bound in the certificate
    pem             TEXT NOT NULL,
    issued_at       INTEGER NOT NULL,
    not_after       INTEGER NOT NULL,
    revoked_at      INTEGER
);
CREATE INDEX certificates_office ON certificates(office);

-- Append-only; each entry's hash covers the previous entry's hash, so editing or deleting any
-- entry breaks the chain from there on (`kizuna-relay audit verify`).
CREATE TABLE audit (
    seq             INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,             -- unix milliseconds
    event           TEXT NOT NULL,
    office          TEXT,
    message_id      TEXT,
    remote          TEXT,
    detail          TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
