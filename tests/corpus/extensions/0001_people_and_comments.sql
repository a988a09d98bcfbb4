CREATE TABLE person (
    id serial PRIMARY KEY,
    name varchar(100) NOT NULL
);
CREATE TABLE comment (
    id serial PRIMARY KEY,
    creator_id int NOT NULL REFERENCES person ON UPDATE CASCADE ON DELETE CASCADE,
    parent_id int REFERENCES comment ON UPDATE CASCADE ON DELETE CASCADE,
    content text NOT NULL
);
INSERT INTO person (name) VALUES ('alice'), ('bob'), ('carol');
INSERT INTO comment (creator_id, parent_id, content) VALUES (1, NULL, 'root'), (2, 1, 'reply'), (3, 2, 'reply to reply');
