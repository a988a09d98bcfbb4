CREATE TABLE teams (
    id varchar(26) PRIMARY KEY,
    name varchar(64) NOT NULL,
    email varchar(128),
    UNIQUE (name)
);
CREATE TABLE team_members (
    teamid varchar(26) NOT NULL REFERENCES teams (id),
    userid varchar(26) NOT NULL,
    roles varchar(64),
    PRIMARY KEY (teamid, userid)
);
CREATE TABLE jobs (id serial PRIMARY KEY, type text);
