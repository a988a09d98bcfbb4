CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, name text);
INSERT INTO users (email) SELECT 'u' || g || '@example.org' FROM generate_series(1, 20) g;
