ALTER SEQUENCE jobs_id_seq RESTART WITH 1;
ALTER INDEX team_members_pk RESET (fillfactor);
ALTER TABLE team_members RENAME CONSTRAINT team_members_pk TO team_members_pkey;
ALTER INDEX workspaces_name_key RENAME TO teams_name_key;
ALTER INDEX workspaces_pkey RENAME TO teams_pkey;
ALTER TABLE workspaces RENAME TO teams;
