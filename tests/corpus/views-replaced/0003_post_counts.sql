DROP VIEW post_view;
CREATE VIEW post_view AS
    SELECT p.id, p.title AS name, p.published FROM post p WHERE NOT p.deleted;

CREATE MATERIALIZED VIEW post_counts AS
    SELECT date_trunc('day', published) AS day, count(*) AS n FROM post GROUP BY 1;
CREATE UNIQUE INDEX ON post_counts (day);
REFRESH MATERIALIZED VIEW CONCURRENTLY post_counts;
ALTER INDEX post_counts_day_idx SET (fillfactor = 90);
