DROP VIEW post_view;
DROP TABLE post;
