TRUNCATE imported, audit_log;
