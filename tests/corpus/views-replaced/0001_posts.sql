CREATE TABLE post (
    id serial PRIMARY KEY,
    title text NOT NULL,
    published timestamptz NOT NULL DEFAULT now(),
    deleted boolean NOT NULL DEFAULT false
);
INSERT INTO post (title, published) VALUES ('one', '2025-01-01'), ('two', '2025-01-02'), ('three', '2025-01-02');
CREATE VIEW post_view AS SELECT id, title FROM post WHERE NOT deleted;
