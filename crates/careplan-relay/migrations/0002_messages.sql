-- Messages in store-and-forward. Bodies are opaque ciphertext in the blob store, keyed by id.
CREATE TABLE messages (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,  -- cursor order
    id              TEXT NOT NULL UNIQUE,               -- random, 32 hex
    sender          TEXT NOT NULL REFERENCES offices(number),
    recipient       TEXT NOT NULL REFERENCES offices(number),
    file_name       TEXT NOT NULL,                      -- standard file name (routing only)
    size            INTEGER NOT NULL,
    sha256          TEXT NOT NULL,                      -- of the ciphertext as stored
    manifest        TEXT NOT NULL,                      -- sender's signed manifest, opaque
    idempotency_key TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('stored', 'delivered', 'acknowledged', 'expired')),
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    acknowledged_at INTEGER,
    expires_at      INTEGER NOT NULL,
    receipt         TEXT,                               -- recipient's signed receipt, opaque
    UNIQUE (sender, idempotency_key)
);
CREATE INDEX messages_inbox ON messages(recipient, seq);
CREATE INDEX messages_sent ON messages(sender, seq);
