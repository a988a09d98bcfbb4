ALTER TABLE teams RENAME TO workspaces;
ALTER INDEX teams_pkey RENAME TO workspaces_pkey;
ALTER INDEX IF EXISTS teams_name_key RENAME TO workspaces_name_key;
ALTER TABLE team_members RENAME CONSTRAINT team_members_pkey TO team_members_pk;
ALTER INDEX team_members_pk SET (fillfactor = 90);
ALTER SEQUENCE jobs_id_seq RESTART WITH 100;
