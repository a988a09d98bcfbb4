CREATE TABLE channels (
    id varchar(26) PRIMARY KEY,
    name varchar(64) NOT NULL,
    type varchar(1) NOT NULL DEFAULT 'O'
);
INSERT INTO channels VALUES ('a', 'town-square', 'O'), ('b', 'private', 'P'), ('c', 'dm', 'D');
