CREATE OR REPLACE VIEW post_view AS SELECT id, title, published FROM post WHERE NOT deleted;
