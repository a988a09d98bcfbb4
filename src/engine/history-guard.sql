-- A unit sent before its predecessor's COMMIT was confirmed (see sequence.ts) starts by
-- calling this; if the predecessor did not commit in this run, the unit's transaction aborts
-- before any of its own statements run.
CREATE OR REPLACE FUNCTION migrate.require_applied(p_run_id uuid, p_unit text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM migrate.history WHERE unit = p_unit AND run_id = p_run_id AND event = 'applied') THEN
    RAISE EXCEPTION 'migrate: % did not commit in this run, so the unit after it does not start', p_unit
      USING ERRCODE = 'P0001';
  END IF;
END
$$;
