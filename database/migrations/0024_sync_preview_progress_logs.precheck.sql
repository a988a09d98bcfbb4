-- Precheck of 0024: the environment that phases 01-04 do not provide.
-- Runs before any phase, so it never touches organization or auth.*; it only
-- reads the catalog. Passes on a fresh database (nothing of 0024 present) and
-- on one where all of 0024 was created by hand with the same shape (the
-- runner then adopts it); anything in between blocks.
WITH
exp_enum(name, labels) AS (VALUES
    ('sync_type',        ARRAY['woocommerce','odoo','shopify','custom']),
    ('sync_action',      ARRAY['preview_delta','sync_start','sync_complete','batch_process',
                               'error_recovery','manual_trigger','scheduled_run','partial_resume']),
    ('sync_entity_type', ARRAY['customer','product','order','invoice',
                               'supplier','inventory','category','attribute']),
    ('sync_status_type', ARRAY['pending','in_progress','completed','completed_with_errors',
                               'failed','cancelled','paused','timeout'])),
exp_table(name, kind, cols) AS (VALUES
    ('sync_preview_cache', 'r', ARRAY[
        'id uuid not null', 'org_id uuid not null', 'sync_type sync_type not null',
        'sync_id character varying(255)', 'delta_json jsonb not null',
        'computed_at timestamp with time zone not null', 'expires_at timestamp with time zone not null',
        'computed_by uuid', 'cache_key character varying(255)',
        'created_at timestamp with time zone not null', 'updated_at timestamp with time zone not null']),
    ('sync_progress', 'r', ARRAY[
        'id uuid not null', 'org_id uuid not null', 'sync_id character varying(255) not null',
        'job_id character varying(255)', 'entity_type sync_entity_type not null',
        'current_item integer not null', 'total_items integer not null',
        'processed_count integer not null', 'failed_count integer not null',
        'speed_items_per_min numeric(10,2)', 'eta_seconds integer', 'elapsed_seconds integer not null',
        'started_at timestamp with time zone not null', 'updated_at timestamp with time zone not null',
        'completed_at timestamp with time zone', 'source_system character varying(50)',
        'batch_number integer', 'metadata jsonb', 'initiated_by uuid']),
    ('sync_activity_log', 'p', ARRAY[
        'id uuid not null', 'org_id uuid not null', 'sync_id character varying(255)',
        'entity_type sync_entity_type', 'action sync_action not null', 'status sync_status_type not null',
        'record_count integer', 'duration_seconds numeric(10,2)', 'error_message text', 'user_id uuid',
        'created_at timestamp with time zone not null'])),
exp_function(name) AS (VALUES
    ('auto_cleanup_preview_cache'), ('update_sync_progress_elapsed'), ('validate_sync_progress_totals'),
    ('update_sync_progress_timestamp'), ('auto_log_sync_activity_on_progress_change')),
-- Relations 0024 creates besides its tables: an existing one is fine only if
-- it already belongs to 0024's tables (index on them, partition of the log).
exp_index(name) AS (VALUES
    ('idx_sync_preview_cache_org_type'), ('idx_sync_preview_cache_expires'),
    ('idx_sync_preview_cache_computed'), ('idx_sync_preview_cache_key'),
    ('idx_sync_progress_org_job'), ('idx_sync_progress_org_sync'), ('idx_sync_progress_active'),
    ('idx_sync_progress_updated'), ('idx_sync_progress_entity'),
    ('idx_sync_activity_log_org_created'), ('idx_sync_activity_log_user'),
    ('idx_sync_activity_log_entity'), ('idx_sync_activity_log_action'),
    ('idx_sync_activity_log_status'), ('idx_sync_activity_log_sync_id')),
exp_partition(name) AS (
    SELECT 'sync_activity_log_' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC')
                                           + make_interval(months => i), 'YYYY_MM')
    FROM generate_series(0, 3) AS i
    UNION ALL SELECT 'sync_activity_log_default'),
pub AS (SELECT oid FROM pg_namespace WHERE nspname = 'public'),
enum_state AS (
    SELECT e.name, e.labels AS expected, t.oid AS type_oid, t.typtype,
           (SELECT array_agg(l.enumlabel::text ORDER BY l.enumsortorder)
              FROM pg_enum l WHERE l.enumtypid = t.oid) AS found
    FROM exp_enum e
    LEFT JOIN pg_type t ON t.typname = e.name AND t.typnamespace = (SELECT oid FROM pub)),
table_state AS (
    SELECT x.name, x.kind, x.cols AS expected, c.oid AS rel_oid, c.relkind::text AS relkind,
           (SELECT t.oid FROM pg_type t
             WHERE t.typname = x.name AND t.typnamespace = (SELECT oid FROM pub)) AS type_oid,
           (SELECT array_agg(a.attname || ' '
                             || regexp_replace(format_type(a.atttypid, a.atttypmod), '^public\.', '')
                             || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                             ORDER BY a.attnum)
              FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS found
    FROM exp_table x
    LEFT JOIN pg_class c ON c.relname = x.name AND c.relnamespace = (SELECT oid FROM pub)),
present AS (
    SELECT 'type ' || name AS obj FROM enum_state WHERE type_oid IS NOT NULL
    UNION ALL SELECT 'table ' || name FROM table_state WHERE rel_oid IS NOT NULL
    UNION ALL SELECT 'function ' || name || '()' FROM exp_function
     WHERE to_regprocedure('public.' || name || '()') IS NOT NULL),
conflict AS (
    SELECT c.relname::text AS name
    FROM pg_class c
    JOIN exp_index i ON i.name = c.relname
    WHERE c.relnamespace = (SELECT oid FROM pub)
      AND NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid
                       WHERE x.indexrelid = c.oid
                         AND t.relnamespace = (SELECT oid FROM pub)
                         AND t.relname IN ('sync_preview_cache', 'sync_progress', 'sync_activity_log'))
    UNION ALL
    SELECT c.relname::text
    FROM pg_class c
    JOIN exp_partition p ON p.name = c.relname
    WHERE c.relnamespace = (SELECT oid FROM pub)
      AND NOT EXISTS (SELECT 1 FROM pg_inherits h
                       WHERE h.inhrelid = c.oid
                         AND h.inhparent = to_regclass('public.sync_activity_log')))
SELECT 'PostgreSQL version >= 13' AS check,
       current_setting('server_version_num')::int >= 130000 AS ok,
       'server ' || current_setting('server_version')
       || ' (needs 13+: built-in gen_random_uuid, foreign keys on partitioned tables)' AS detail
UNION ALL
SELECT 'database is writable',
       NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off',
       CASE WHEN pg_is_in_recovery() THEN 'server is a read-only standby'
            WHEN current_setting('transaction_read_only') = 'on' THEN 'transaction_read_only is on (default_transaction_read_only is set for the database or role)'
            ELSE 'primary, accepts writes' END
UNION ALL
SELECT 'CREATE privilege on schema public',
       has_schema_privilege('public', 'CREATE'),
       format('role %s %s create objects in public', current_user,
              CASE WHEN has_schema_privilege('public', 'CREATE') THEN 'may' ELSE 'may not' END)
UNION ALL
SELECT 'enum public.' || name,
       type_oid IS NULL OR (typtype = 'e' AND found IS NOT DISTINCT FROM expected),
       CASE
         WHEN type_oid IS NULL THEN 'absent; 0024 creates it'
         WHEN typtype <> 'e' THEN format('a non-enum type (typtype %s) has this name', typtype)
         WHEN found IS NOT DISTINCT FROM expected THEN 'exists with the expected labels in order'
         ELSE format('labels differ: expected %s, found %s; missing %s, unexpected %s',
                     expected, coalesce(found, '{}'),
                     coalesce((SELECT array_agg(l) FROM unnest(expected) l
                                WHERE l <> ALL (coalesce(found, '{}'))), '{}'),
                     coalesce((SELECT array_agg(l) FROM unnest(found) l
                                WHERE l <> ALL (expected)), '{}'))
         || CASE WHEN found IS NOT NULL
                  AND (SELECT array_agg(l ORDER BY l) FROM unnest(found) l)
                    = (SELECT array_agg(l ORDER BY l) FROM unnest(expected) l)
                 THEN ' (same labels, different order)' ELSE '' END
       END
FROM enum_state
UNION ALL
SELECT 'table public.' || name || ' absent or of the expected shape',
       CASE WHEN rel_oid IS NULL THEN type_oid IS NULL
            ELSE relkind = kind
                 AND NOT EXISTS (SELECT 1 FROM unnest(expected) e WHERE e <> ALL (found))
                 AND NOT EXISTS (SELECT 1 FROM unnest(found) f WHERE f <> ALL (expected))
       END,
       CASE
         WHEN rel_oid IS NULL AND type_oid IS NOT NULL THEN 'absent, but a type of this name exists'
         WHEN rel_oid IS NULL THEN 'absent; 0024 creates it'
         WHEN relkind <> kind THEN format('exists with relkind %s, expected %s', relkind, kind)
         WHEN NOT EXISTS (SELECT 1 FROM unnest(expected) e WHERE e <> ALL (found))
          AND NOT EXISTS (SELECT 1 FROM unnest(found) f WHERE f <> ALL (expected))
           THEN 'exists with the expected columns'
         ELSE format('exists; missing or different: %s; unexpected: %s',
                     coalesce((SELECT array_agg(e) FROM unnest(expected) e
                                WHERE e <> ALL (coalesce(found, '{}'))), '{}'),
                     coalesce((SELECT array_agg(f) FROM unnest(found) f
                                WHERE f <> ALL (expected)), '{}'))
       END
FROM table_state
UNION ALL
SELECT 'no partial 0024 state',
       (SELECT count(*) FROM present) IN (0, 12),
       CASE (SELECT count(*) FROM present)
         WHEN 0 THEN 'none of its 4 types, 3 tables, 5 functions exists'
         WHEN 12 THEN 'all of its 4 types, 3 tables, 5 functions exist (candidate for adoption)'
         ELSE format('%s of 12 exist (%s): finish or roll back the earlier attempt first',
                     (SELECT count(*) FROM present),
                     (SELECT string_agg(obj, ', ' ORDER BY obj) FROM present))
       END
UNION ALL
SELECT 'no foreign relation holds a 0024 index or partition name',
       NOT EXISTS (SELECT 1 FROM conflict),
       coalesce('taken: ' || (SELECT string_agg(name, ', ' ORDER BY name) FROM conflict),
                'names free or already 0024''s own');
