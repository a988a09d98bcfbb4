DROP TABLE jobs, team_members, teams;
