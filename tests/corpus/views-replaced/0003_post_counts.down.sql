DROP MATERIALIZED VIEW post_counts;
DROP VIEW post_view;
CREATE VIEW post_view AS SELECT id, title, published FROM post WHERE NOT deleted;
