CREATE TYPE post_status AS ENUM ('draft', 'published');
CREATE TABLE article (
    id serial PRIMARY KEY,
    status post_status NOT NULL DEFAULT 'draft'
);
INSERT INTO article (status) VALUES ('draft'), ('published'), ('draft');
