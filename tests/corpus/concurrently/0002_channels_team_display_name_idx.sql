CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_channels_team_id_display_name ON channels (teamid, displayname);
