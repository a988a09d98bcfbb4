DROP TABLE article;
DROP TYPE post_status;
