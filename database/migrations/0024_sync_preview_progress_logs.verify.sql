-- Verify of 0024: cheap catalog checks. Column types, foreign keys, grants and
-- enum labels are compared in detail from the expect.json next to this file.
WITH
tbl(name, kind, ncols) AS (VALUES
    ('sync_preview_cache', 'r', 11), ('sync_progress', 'r', 20), ('sync_activity_log', 'p', 11)),
tbl_state AS (
    SELECT t.name, t.kind, t.ncols, c.oid, c.relkind::text AS relkind, c.relrowsecurity,
           (SELECT count(*) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS found_cols
    FROM tbl t
    LEFT JOIN pg_class c ON c.oid = to_regclass('public.' || t.name)),
exp_policy(tbl, name) AS (
    SELECT t, t_prefix || '_' || cmd
    FROM (VALUES ('sync_preview_cache', 'preview_cache'), ('sync_progress', 'sync_progress'),
                 ('sync_activity_log', 'sync_activity_log')) AS p(t, t_prefix)
    CROSS JOIN unnest(ARRAY['select', 'insert', 'update', 'delete']) AS cmd),
missing_policy AS (
    SELECT e.tbl || '.' || e.name AS name FROM exp_policy e
    WHERE NOT EXISTS (SELECT 1 FROM pg_policy p
                       WHERE p.polrelid = to_regclass('public.' || e.tbl) AND p.polname = e.name)),
exp_trigger(name) AS (VALUES
    ('sync_progress_update_elapsed'), ('sync_progress_validate_totals'),
    ('sync_progress_update_timestamp'), ('sync_progress_log_completion')),
missing_trigger AS (
    SELECT e.name FROM exp_trigger e
    WHERE NOT EXISTS (SELECT 1 FROM pg_trigger g
                       WHERE g.tgrelid = to_regclass('public.sync_progress')
                         AND g.tgname = e.name AND NOT g.tgisinternal AND g.tgenabled <> 'D')),
exp_function(sig) AS (VALUES
    ('public.auto_cleanup_preview_cache()'), ('public.update_sync_progress_elapsed()'),
    ('public.validate_sync_progress_totals()'), ('public.update_sync_progress_timestamp()'),
    ('public.auto_log_sync_activity_on_progress_change()')),
-- Our tables and every partition of the log: their indexes must all be usable.
our_rel AS (
    SELECT oid FROM tbl_state WHERE oid IS NOT NULL
    UNION ALL
    SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass('public.sync_activity_log')),
bad_index AS (
    SELECT x.indexrelid::regclass::text AS name
    FROM pg_index x JOIN our_rel r ON r.oid = x.indrelid
    WHERE NOT (x.indisvalid AND x.indisready)),
cur_partition AS (
    SELECT 'sync_activity_log_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM') AS name)
SELECT 'table public.' || name || ' exists' AS check,
       oid IS NOT NULL AND relkind = kind AS ok,
       CASE WHEN oid IS NULL THEN 'missing'
            WHEN relkind <> kind THEN format('relkind %s, expected %s', relkind, kind)
            ELSE CASE kind WHEN 'p' THEN 'partitioned table' ELSE 'table' END END AS detail
FROM tbl_state
UNION ALL
SELECT 'table public.' || name || ' has ' || ncols || ' columns',
       found_cols = ncols,
       found_cols || ' columns'
FROM tbl_state
UNION ALL
SELECT 'RLS enabled on public.' || name,
       coalesce(relrowsecurity, false),
       CASE WHEN oid IS NULL THEN 'table missing'
            WHEN relrowsecurity THEN 'enabled' ELSE 'disabled' END
FROM tbl_state
UNION ALL
SELECT '12 policies',
       NOT EXISTS (SELECT 1 FROM missing_policy),
       coalesce('missing: ' || (SELECT string_agg(name, ', ' ORDER BY name) FROM missing_policy),
                'all 12 present')
UNION ALL
SELECT '4 triggers on public.sync_progress',
       NOT EXISTS (SELECT 1 FROM missing_trigger),
       coalesce('missing or disabled: '
                || (SELECT string_agg(name, ', ' ORDER BY name) FROM missing_trigger),
                'all 4 present and enabled')
UNION ALL
SELECT '5 functions',
       (SELECT count(*) FROM exp_function WHERE to_regprocedure(sig) IS NOT NULL) = 5,
       coalesce('missing: ' || (SELECT string_agg(sig, ', ' ORDER BY sig) FROM exp_function
                                 WHERE to_regprocedure(sig) IS NULL),
                'all 5 present')
UNION ALL
SELECT 'authenticated may execute auto_cleanup_preview_cache()',
       CASE WHEN to_regprocedure('public.auto_cleanup_preview_cache()') IS NULL
              OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN false
            ELSE has_function_privilege('authenticated', 'public.auto_cleanup_preview_cache()',
                                        'EXECUTE') END,
       'EXECUTE privilege'
UNION ALL
SELECT 'current month partition ' || name,
       EXISTS (SELECT 1 FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
                WHERE h.inhparent = to_regclass('public.sync_activity_log')
                  AND c.relname = cur_partition.name),
       'month boundaries in UTC; create upcoming months before they start'
FROM cur_partition
UNION ALL
SELECT 'default partition public.sync_activity_log_default',
       EXISTS (SELECT 1 FROM pg_partitioned_table p
                WHERE p.partrelid = to_regclass('public.sync_activity_log')
                  AND p.partdefid = to_regclass('public.sync_activity_log_default')),
       'catches rows outside the monthly partitions'
UNION ALL
SELECT 'no invalid index on 0024 tables',
       NOT EXISTS (SELECT 1 FROM bad_index),
       coalesce('invalid or not ready: ' || (SELECT string_agg(name, ', ' ORDER BY name) FROM bad_index),
                'all valid');
