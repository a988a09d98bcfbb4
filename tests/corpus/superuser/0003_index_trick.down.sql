DELETE FROM audit_log WHERE msg LIKE 'late %';
