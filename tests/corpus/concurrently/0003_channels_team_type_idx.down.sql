CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_channels_team_id ON channels (teamid);
DROP INDEX CONCURRENTLY IF EXISTS idx_channels_team_id_type;
