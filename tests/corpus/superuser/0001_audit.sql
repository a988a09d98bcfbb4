CREATE TABLE audit_log (id bigserial PRIMARY KEY, msg text NOT NULL);
CREATE INDEX audit_log_msg_idx ON audit_log (msg);
CREATE TABLE imported (id int PRIMARY KEY, audit_id bigint REFERENCES audit_log (id));
