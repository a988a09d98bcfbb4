-- The runner's own tracking schema: one row per event, never updated or deleted.
-- A unit's state is its latest applied/adopted/imported/rolled_back row (imported: applied by
-- another tool, read from its history by `migrate import`); a later repaired row replaces its
-- checksum (a reviewed edit); failed rows are the record of attempts that were rolled back.
CREATE SCHEMA IF NOT EXISTS migrate;

CREATE TABLE IF NOT EXISTS migrate.history (
  id             bigserial PRIMARY KEY,
  run_id         uuid        NOT NULL,
  unit           text        NOT NULL,
  kind           text        NOT NULL CHECK (kind IN ('phase', 'migration')),
  event          text        NOT NULL CHECK (event IN ('applied', 'verified', 'rolled_back', 'adopted', 'failed', 'imported', 'repaired')),
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
