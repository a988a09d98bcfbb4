-- The runner's own tracking schema: one row per event, never updated or deleted.
-- A unit's state is its latest applied/adopted/rolled_back row; failed rows are the record
-- of attempts that were rolled back.
CREATE SCHEMA IF NOT EXISTS migrate;

CREATE TABLE IF NOT EXISTS migrate.history (
  id             bigserial PRIMARY KEY,
  run_id         uuid        NOT NULL,
  unit           text        NOT NULL,
  kind           text        NOT NULL CHECK (kind IN ('phase', 'migration')),
  event          text        NOT NULL CHECK (event IN ('applied', 'verified', 'rolled_back', 'adopted', 'failed')),
  checksum       text,
  at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  db_user        text        NOT NULL DEFAULT current_user,
  client_host    text                 DEFAULT inet_client_addr()::text,
  duration_ms    integer,
  runner_version text        NOT NULL,
  precheck       jsonb,
  detail         jsonb
);

CREATE INDEX IF NOT EXISTS history_unit_id_idx ON migrate.history (unit, id DESC);

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
