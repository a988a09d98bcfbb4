DROP TABLE comment, person;
