CREATE TABLE IF NOT EXISTS channels (
    id varchar(26) PRIMARY KEY,
    createat bigint,
    teamid varchar(26),
    type varchar(1),
    displayname varchar(64),
    name varchar(64),
    UNIQUE (name, teamid)
);

CREATE INDEX IF NOT EXISTS idx_channels_team_id ON channels (teamid);

INSERT INTO channels (id, createat, teamid, type, displayname, name)
SELECT lpad(g::text, 26, '0'), g, lpad((g % 3)::text, 26, '0'), 'O', 'Channel ' || g, 'channel-' || g
  FROM generate_series(1, 20) g;
