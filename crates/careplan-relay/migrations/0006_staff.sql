-- Staff: named people of an office with a role, who sign in on one of its devices. A session is
-- good on the device it was opened on only; its token is kept as a hash.
CREATE TABLE staff (
    office          TEXT NOT NULL REFERENCES offices(number),
    login           TEXT NOT NULL,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    password_hash   TEXT NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (office, login)
);

CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY,             -- SHA-256 of the bearer token, hex
    office          TEXT NOT NULL,
    login           TEXT NOT NULL,
    device          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    FOREIGN KEY (office, login) REFERENCES staff(office, login)
);
CREATE INDEX sessions_person ON sessions(office, login);
