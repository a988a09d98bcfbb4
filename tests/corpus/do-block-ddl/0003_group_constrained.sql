DO $$
DECLARE
    column_exist boolean := false;
BEGIN
    SELECT count(*) != 0 INTO column_exist
      FROM information_schema.columns
     WHERE table_name = 'channels' AND column_name = 'groupconstrained';
    IF NOT column_exist THEN
        ALTER TABLE channels ADD COLUMN groupconstrained boolean;
    END IF;
END $$;

UPDATE channels SET groupconstrained = false WHERE groupconstrained IS NULL;
CREATE INDEX idx_channels_group_constrained ON channels (groupconstrained);
