UPDATE article SET status = 'draft' WHERE status = 'hidden';
ALTER TYPE post_status RENAME TO post_status_old;
CREATE TYPE post_status AS ENUM ('draft', 'published', 'archived');
ALTER TABLE article ALTER COLUMN status DROP DEFAULT;
ALTER TABLE article ALTER COLUMN status TYPE post_status USING status::text::post_status;
ALTER TABLE article ALTER COLUMN status SET DEFAULT 'draft';
DROP TYPE post_status_old;
