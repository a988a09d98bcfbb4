CREATE EXTENSION IF NOT EXISTS ltree;

ALTER TABLE comment ADD COLUMN path ltree NOT NULL DEFAULT '0';

-- The ltree path is the comment's ancestry, built from parent_id.
CREATE TEMPORARY TABLE comment_temp AS
WITH RECURSIVE q AS (
    SELECT h, 1 AS level, ARRAY[id] AS breadcrumb
      FROM comment h
     WHERE parent_id IS NULL
    UNION ALL
    SELECT hi, q.level + 1 AS level, breadcrumb || id
      FROM q
      JOIN comment hi ON hi.parent_id = (q.h).id
)
SELECT (q.h).id, text2ltree('0.' || array_to_string(breadcrumb, '.')) AS ltree_path
  FROM q;

UPDATE comment c SET path = ct.ltree_path FROM comment_temp ct WHERE c.id = ct.id;

CREATE INDEX idx_path_gist ON comment USING gist (path);
ALTER TABLE comment ADD CONSTRAINT comment_depth CHECK (nlevel(path) < 100);
