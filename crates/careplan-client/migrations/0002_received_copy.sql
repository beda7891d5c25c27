-- Each received file is also kept encrypted to this office's own key, so it can be saved again
-- (the care software moved or deleted it) and shown for an inspection without the relay, which
-- forgets it once acknowledged.
ALTER TABLE received ADD COLUMN sealed BLOB;
