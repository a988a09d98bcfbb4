CREATE TABLE items (id int PRIMARY KEY, code text NOT NULL);
INSERT INTO items SELECT g, 'c' || g FROM generate_series(1, 10) g;
