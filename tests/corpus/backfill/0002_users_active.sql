ALTER TABLE users ADD COLUMN active boolean;
UPDATE users SET active = true;
ALTER TABLE users ALTER COLUMN active SET NOT NULL;
ALTER TABLE users ALTER COLUMN active SET DEFAULT true;
