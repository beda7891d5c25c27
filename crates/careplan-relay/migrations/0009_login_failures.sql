-- Failed logins and locks of offices and staff, and of numbers and logins that do not exist,
-- in one table: a guess at an unknown number does the same work as one at a registered
-- number, so neither the answer nor its timing tells them apart, and every relay node that
-- shares the database counts the same failures.
CREATE TABLE login_failures (
    subject         TEXT PRIMARY KEY,   -- 'office/<number>' or 'staff/<number>/<login>'
    failures        INTEGER NOT NULL,
    locked_until    INTEGER,            -- unix seconds
    last_at         INTEGER NOT NULL    -- unix seconds of the last failure
);
CREATE INDEX login_failures_last_at ON login_failures (last_at);

INSERT INTO login_failures (subject, failures, locked_until, last_at)
    SELECT 'office/' || number, failed_logins, locked_until, CAST(strftime('%s', 'now') AS INTEGER)
    FROM offices WHERE failed_logins > 0 OR locked_until IS NOT NULL;
INSERT INTO login_failures (subject, failures, locked_until, last_at)
    SELECT 'staff/' || office || '/' || login, failed_logins, locked_until, CAST(strftime('%s', 'now') AS INTEGER)
    FROM staff WHERE failed_logins > 0 OR locked_until IS NOT NULL;

ALTER TABLE offices DROP COLUMN failed_logins;
ALTER TABLE offices DROP COLUMN locked_until;
ALTER TABLE staff DROP COLUMN failed_logins;
ALTER TABLE staff DROP COLUMN locked_until;
