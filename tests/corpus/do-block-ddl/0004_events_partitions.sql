CREATE TABLE events (
    id bigint NOT NULL,
    at date NOT NULL,
    payload jsonb
) PARTITION BY RANGE (at);

DO $$
DECLARE m date := date '2025-01-01';
BEGIN
  FOR i IN 0..2 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                   'events_' || to_char(m + make_interval(months => i), 'YYYY_MM'),
                   m + make_interval(months => i), m + make_interval(months => i + 1));
  END LOOP;
END $$;

ALTER TABLE events_2025_01 SET (fillfactor = 90);
