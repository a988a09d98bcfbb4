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

-- Every unit's transaction calls this just before COMMIT, with the run's lock session and the
-- lock's keys (src/engine/lock.ts): if that session no longer holds the run lock (terminated,
-- or its connection lost), the unit aborts instead of committing. It first takes the commit
-- fence, held until COMMIT: a runner that has just taken the run lock waits on the fence, so
-- it reads the history only after a unit that passed this check has committed.
CREATE OR REPLACE FUNCTION migrate.hold_run_lock(p_lock_pid integer, p_class integer, p_object integer, p_fence integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(p_class, p_fence);
  IF NOT EXISTS (SELECT 1 FROM pg_locks
                  WHERE locktype = 'advisory' AND granted AND pid = p_lock_pid
                    AND classid = p_class::oid AND objid = p_object::oid AND objsubid = 2
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) THEN
    RAISE EXCEPTION 'migrate: this run no longer holds the migration lock (its lock session, pid %, has ended), so the unit does not commit', p_lock_pid
      USING ERRCODE = 'MGLCK';
  END IF;
END
$$;
