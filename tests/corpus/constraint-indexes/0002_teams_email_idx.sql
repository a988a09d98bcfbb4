CREATE UNIQUE INDEX CONCURRENTLY teams_email_idx ON teams (email);
