-- A history schema from a version of this runner before `migrate import` and `migrate repair`:
-- its event check does not admit their events yet.
ALTER TABLE migrate.history DROP CONSTRAINT IF EXISTS history_event_check;
ALTER TABLE migrate.history ADD CONSTRAINT history_event_check
  CHECK (event IN ('applied', 'verified', 'rolled_back', 'adopted', 'failed', 'imported', 'repaired'));
