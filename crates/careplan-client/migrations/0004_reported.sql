-- Whether the caller of a receive was told about a received file. A receive interrupted after
-- saving files (the relay or the network gone before their receipts went) reports them on the
-- next receive instead of never. Files received before this column existed were reported.
ALTER TABLE received ADD COLUMN reported INTEGER NOT NULL DEFAULT 1;
CREATE INDEX received_unreported ON received (reported) WHERE reported = 0;
