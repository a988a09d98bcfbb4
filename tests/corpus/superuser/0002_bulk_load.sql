ALTER TABLE imported DISABLE TRIGGER ALL;
INSERT INTO audit_log (msg) SELECT 'row ' || g FROM generate_series(1, 50) g;
INSERT INTO imported SELECT g, g FROM generate_series(1, 50) g;
ALTER TABLE imported ENABLE TRIGGER ALL;
