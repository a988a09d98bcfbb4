UPDATE pg_index SET indisready = false WHERE indexrelid = 'audit_log_msg_idx'::regclass;
INSERT INTO audit_log (msg) SELECT 'late ' || g FROM generate_series(1, 10) g;
UPDATE pg_index SET indisready = true WHERE indexrelid = 'audit_log_msg_idx'::regclass;
REINDEX INDEX audit_log_msg_idx;
