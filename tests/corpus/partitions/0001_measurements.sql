CREATE TABLE measurements (
    city_id int NOT NULL,
    logdate date NOT NULL,
    peaktemp int,
    PRIMARY KEY (city_id, logdate)
) PARTITION BY RANGE (logdate);
CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX ON measurements (logdate);
INSERT INTO measurements VALUES (1, '2025-03-01', 20), (2, '2025-07-01', 31);
