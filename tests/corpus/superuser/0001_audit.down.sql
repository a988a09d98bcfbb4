DROP TABLE imported, audit_log;
