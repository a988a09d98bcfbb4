ALTER TYPE post_status ADD VALUE IF NOT EXISTS 'archived';
