DROP VIEW post_view;
CREATE VIEW post_view AS SELECT id, title FROM post WHERE NOT deleted;
