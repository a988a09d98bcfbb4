ALTER TABLE comment DROP CONSTRAINT comment_depth;
DROP INDEX idx_path_gist;
ALTER TABLE comment DROP COLUMN path;
DROP EXTENSION ltree;
