ALTER TYPE post_status ADD VALUE 'hidden';
UPDATE article SET status = 'hidden' WHERE status = 'draft';
