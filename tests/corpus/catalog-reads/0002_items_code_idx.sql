-- Drop indexes an interrupted CREATE INDEX CONCURRENTLY left invalid before building again.
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname
               FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
              WHERE NOT i.indisvalid AND i.indrelid = 'items'::regclass
    LOOP
        EXECUTE format('DROP INDEX %I', r.relname);
    END LOOP;
END $$;

CREATE INDEX IF NOT EXISTS items_code_idx ON items (code);
COMMENT ON INDEX items_code_idx IS 'lookup by code';

CREATE VIEW index_sizes AS
    SELECT c.relname AS index_name, pg_relation_size(c.oid) AS bytes
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema();

SELECT indexname FROM pg_indexes WHERE tablename = 'items';
SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position;
SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE relname = 'items';
