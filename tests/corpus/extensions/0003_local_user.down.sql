DROP VIEW person_similar;
DROP INDEX idx_person_name_trgm;
DROP TABLE local_user;
DROP EXTENSION hstore;
DROP EXTENSION citext;
DROP EXTENSION pg_trgm;
DROP EXTENSION "uuid-ossp";
DROP EXTENSION pgcrypto;
