-- How often a caller (a device, an address) did something limited, per window of time. Kept in
-- the database so that every node counts the same calls.
CREATE TABLE allowances (
    key          TEXT NOT NULL,       -- what is counted and for whom: 'activity:<device>', …
    window_start INTEGER NOT NULL,    -- unix seconds
    used         INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
