-- 0023_sync_infrastructure, precheck: the baseline tables it references, and no
-- half-built copy of its own tables (all three present means a hand-applied 0023,
-- which the runner adopts after verify). public.organization and role authenticated
-- come from phase 01 and are not checked here: prechecks run before any phase.
SELECT c."check", c.ok, c.detail
  FROM (
    SELECT e.n AS ord, format('public.%s exists with a uuid key id', e.tbl) AS "check",
           t.id_type = 'uuid' AND t.keyed AS ok,
           CASE WHEN t.rel IS NULL THEN format('table public.%s is missing', e.tbl)
                WHEN t.id_type IS DISTINCT FROM 'uuid' THEN format('public.%s.id is %s, expected uuid', e.tbl, coalesce(t.id_type, 'missing'))
                WHEN NOT t.keyed THEN format('public.%s.id is not a primary key or unique', e.tbl)
                ELSE 'found' END AS detail
      FROM (VALUES (1, 'users'), (2, 'customer')) AS e(n, tbl)
     CROSS JOIN LATERAL (
           SELECT to_regclass('public.' || e.tbl) AS rel,
                  (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = to_regclass('public.' || e.tbl) AND a.attname = 'id' AND NOT a.attisdropped) AS id_type,
                  EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                           WHERE k.conrelid = to_regclass('public.' || e.tbl) AND k.contype IN ('p', 'u')
                             AND k.conkey = ARRAY[(SELECT a.attnum FROM pg_catalog.pg_attribute a
                                                    WHERE a.attrelid = k.conrelid AND a.attname = 'id')]) AS keyed) AS t
    UNION ALL
    SELECT 3, '0023 tables are all absent or all present',
           x.present IN (0, 3),
           CASE x.present WHEN 0 THEN 'none present; 0023 will create them'
                          WHEN 3 THEN 'all present: a hand-applied 0023, adopted if its verify passes'
                          ELSE format('only %s of 3 present (%s): a partial 0023 must be cleaned up first', x.present, x.names) END
      FROM (SELECT count(*) AS present, string_agg(t, ', ') AS names
              FROM unnest(ARRAY['public.woo_customer_sync_queue', 'public.woo_customer_sync_queue_line',
                                'public.woo_sync_activity']) AS t
             WHERE to_regclass(t) IS NOT NULL) AS x
  ) AS c
 ORDER BY c.ord;
