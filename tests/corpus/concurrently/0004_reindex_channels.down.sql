-- Rebuilding the index again is as close to an inverse as a rebuild has.
REINDEX INDEX CONCURRENTLY idx_channels_team_id_display_name;
