-- Devices that asked to join their office without the office password, waiting for (or
-- decided by) an administrator. The secret that lets the asking device collect its certificate
-- is kept as a hash; who decided, on which device, is kept with the request.
CREATE TABLE device_requests (
    id              TEXT PRIMARY KEY,
    office          TEXT NOT NULL REFERENCES offices(number),
    secret_hash     TEXT NOT NULL,
    code            TEXT NOT NULL,
    csr_pem         TEXT NOT NULL,
    encryption_key  TEXT NOT NULL,
    device_name     TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'approved', 'refused')),
    decided_by      TEXT,                         -- 'LOGIN on device ID'
    decided_at      INTEGER,
    enrolment       TEXT
);
CREATE INDEX device_requests_office ON device_requests (office, state);
