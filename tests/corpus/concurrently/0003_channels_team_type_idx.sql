-- migrate:no-transaction
-- Replace the single-column index by a wider one without blocking writes.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_channels_team_id_type ON channels (teamid, type);

DROP INDEX CONCURRENTLY IF EXISTS idx_channels_team_id;
