ALTER TABLE teams ADD CONSTRAINT teams_email_key UNIQUE USING INDEX teams_email_idx;
ALTER INDEX teams_email_key SET (fillfactor = 80);
