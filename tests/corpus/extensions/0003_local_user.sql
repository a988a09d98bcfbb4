CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS hstore;

CREATE TABLE local_user (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    person_id int NOT NULL REFERENCES person ON DELETE CASCADE,
    email citext UNIQUE,
    password_encrypted text NOT NULL,
    settings hstore NOT NULL DEFAULT ''::hstore
);

INSERT INTO local_user (person_id, email, password_encrypted)
SELECT id, name || '@example.org', crypt('changeme', gen_salt('bf', 4)) FROM person;

CREATE INDEX idx_person_name_trgm ON person USING gin (name gin_trgm_ops);
CREATE VIEW person_similar AS
    SELECT a.id, b.id AS other, similarity(a.name, b.name) AS score
      FROM person a JOIN person b ON a.id < b.id;
