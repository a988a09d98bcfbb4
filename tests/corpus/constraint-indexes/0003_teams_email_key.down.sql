ALTER TABLE teams DROP CONSTRAINT teams_email_key;
CREATE UNIQUE INDEX teams_email_idx ON teams (email);
