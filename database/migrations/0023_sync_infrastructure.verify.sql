-- 0023_sync_infrastructure, verify: rows (check, ok, detail) derived from what 0023
-- really creates (not the seed's `LIKE 'sync%'` names, which 0023 never created):
-- the three tables and their columns, the state checks, the five foreign keys with
-- their ON DELETE actions, the eight indexes, the trigger function and its attachment,
-- and the grants to authenticated. Catalog reads only.
SELECT v."check", v.ok, v.detail
  FROM (
    -- tables
    SELECT e.n AS ord, 'table ' || e.tbl AS "check",
           to_regclass(e.tbl) IS NOT NULL AS ok,
           CASE WHEN to_regclass(e.tbl) IS NULL THEN 'missing' ELSE 'exists' END AS detail
      FROM (VALUES (1, 'public.woo_customer_sync_queue'),
                   (2, 'public.woo_customer_sync_queue_line'),
                   (3, 'public.woo_sync_activity')) AS e(n, tbl)
    UNION ALL
    -- columns: type and nullability of every declared column, and nothing undeclared
    SELECT 10 + s.n, 'columns of ' || s.tbl,
           s.problems IS NULL AND to_regclass(s.tbl) IS NOT NULL,
           CASE WHEN to_regclass(s.tbl) IS NULL THEN 'table is missing'
                ELSE coalesce(s.problems, 'as declared') END
      FROM (SELECT e.n, e.tbl,
                   (SELECT string_agg(p, '; ' ORDER BY p) FROM (
                       SELECT format('%s is %s, expected %s', c.col,
                                     coalesce(format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END, 'missing'),
                                     c.typ) AS p
                         FROM (SELECT split_part(x, ':', 1) AS col, split_part(x, ':', 2) AS typ FROM unnest(e.cols) AS x) AS c
                         LEFT JOIN pg_catalog.pg_attribute a
                                ON a.attrelid = to_regclass(e.tbl) AND a.attname = c.col AND NOT a.attisdropped
                        WHERE a.attnum IS NULL
                           OR format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END <> c.typ
                       UNION ALL
                       SELECT format('undeclared column %s', a.attname)
                         FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = to_regclass(e.tbl) AND a.attnum > 0 AND NOT a.attisdropped
                          AND a.attname <> ALL (SELECT split_part(x, ':', 1) FROM unnest(e.cols) AS x)) AS probs) AS problems
              FROM (VALUES
                (1, 'public.woo_customer_sync_queue', ARRAY[
                    'id:uuid not null', 'org_id:uuid not null', 'name:character varying(255) not null',
                    'state:character varying(20) not null', 'idempotency_key:character varying(255)',
                    'total_count:integer not null', 'draft_count:integer not null', 'processing_count:integer not null',
                    'done_count:integer not null', 'failed_count:integer not null', 'batch_size:integer not null',
                    'max_retries:integer not null', 'retry_delay_seconds:integer not null', 'options:jsonb not null',
                    'last_error:text', 'created_by:uuid', 'created_at:timestamp with time zone not null',
                    'updated_at:timestamp with time zone not null', 'started_at:timestamp with time zone',
                    'completed_at:timestamp with time zone']),
                (2, 'public.woo_customer_sync_queue_line', ARRAY[
                    'id:uuid not null', 'queue_id:uuid not null', 'woo_customer_id:bigint not null',
                    'customer_json:jsonb not null', 'state:character varying(20) not null', 'attempt_count:integer not null',
                    'last_error:text', 'result_customer_id:uuid', 'processed_at:timestamp with time zone',
                    'created_at:timestamp with time zone not null', 'updated_at:timestamp with time zone not null']),
                (3, 'public.woo_sync_activity', ARRAY[
                    'id:uuid not null', 'org_id:uuid not null', 'queue_id:uuid', 'action:character varying(50) not null',
                    'entity_type:character varying(50) not null', 'entity_id:character varying(255)',
                    'status:character varying(20) not null', 'message:text', 'details:jsonb not null', 'user_id:uuid',
                    'created_at:timestamp with time zone not null'])) AS e(n, tbl, cols)) AS s
    UNION ALL
    -- state machine checks
    SELECT 20 + e.n, 'check ' || e.con,
           k.oid IS NOT NULL AND pg_get_constraintdef(k.oid) ~ e.must,
           coalesce(pg_get_constraintdef(k.oid), 'missing')
      FROM (VALUES (1, 'public.woo_customer_sync_queue', 'woo_sync_queue_state_check',
                       'draft.*processing.*partial.*done.*failed.*cancelled'),
                   (2, 'public.woo_customer_sync_queue_line', 'woo_sync_queue_line_state_check',
                       'draft.*processing.*done.*failed')) AS e(n, tbl, con, must)
      LEFT JOIN pg_catalog.pg_constraint k
             ON k.conrelid = to_regclass(e.tbl) AND k.conname = e.con AND k.contype = 'c'
    UNION ALL
    -- foreign keys and their ON DELETE actions
    SELECT 30 + e.n, format('foreign key %s(%s) -> %s on delete %s', e.tbl, e.col, e.ref,
                            CASE e.del WHEN 'c' THEN 'cascade' ELSE 'set null' END),
           k.oid IS NOT NULL AND k.confdeltype = e.del::"char"
             AND (e.del <> 'n' OR NOT a.attnotnull),
           CASE WHEN to_regclass(e.tbl) IS NULL THEN 'table is missing'
                WHEN k.oid IS NULL THEN 'missing'
                WHEN e.del = 'n' AND a.attnotnull THEN e.col || ' is NOT NULL, so ON DELETE SET NULL would fail'
                ELSE k.conname || ': ' || pg_get_constraintdef(k.oid) END
      FROM (VALUES (1, 'public.woo_customer_sync_queue', 'org_id', 'public.organization', 'c'),
                   (2, 'public.woo_customer_sync_queue', 'created_by', 'public.users', 'n'),
                   (3, 'public.woo_customer_sync_queue_line', 'queue_id', 'public.woo_customer_sync_queue', 'c'),
                   (4, 'public.woo_customer_sync_queue_line', 'result_customer_id', 'public.customer', 'n'),
                   (5, 'public.woo_sync_activity', 'org_id', 'public.organization', 'c'),
                   (6, 'public.woo_sync_activity', 'queue_id', 'public.woo_customer_sync_queue', 'n'),
                   (7, 'public.woo_sync_activity', 'user_id', 'public.users', 'n')) AS e(n, tbl, col, ref, del)
      LEFT JOIN pg_catalog.pg_attribute a
             ON a.attrelid = to_regclass(e.tbl) AND a.attname = e.col AND NOT a.attisdropped
      LEFT JOIN pg_catalog.pg_constraint k
             ON k.conrelid = to_regclass(e.tbl) AND k.contype = 'f'
            AND k.confrelid = to_regclass(e.ref) AND k.conkey = ARRAY[a.attnum]
    UNION ALL
    -- the eight indexes
    SELECT 40 + e.n, 'index ' || e.idx,
           i.indexrelid IS NOT NULL AND i.indisvalid AND i.indrelid = to_regclass(e.tbl)
             AND substring(pg_get_indexdef(i.indexrelid) FROM ' USING .*$') = e.def
             AND i.indisunique = e.uniq,
           CASE WHEN i.indexrelid IS NULL THEN 'missing'
                WHEN NOT i.indisvalid THEN 'INVALID'
                ELSE pg_get_indexdef(i.indexrelid) END
      FROM (VALUES
        (1, 'idx_woo_sync_queue_org_state',        'public.woo_customer_sync_queue',      ' USING btree (org_id, state)', false),
        (2, 'idx_woo_sync_queue_org_created',      'public.woo_customer_sync_queue',      ' USING btree (org_id, created_at DESC)', false),
        (3, 'idx_woo_sync_queue_org_idempotency',  'public.woo_customer_sync_queue',      ' USING btree (org_id, idempotency_key)', true),
        (4, 'idx_woo_sync_line_queue_state',       'public.woo_customer_sync_queue_line', ' USING btree (queue_id, state)', false),
        (5, 'idx_woo_sync_line_queue_customer',    'public.woo_customer_sync_queue_line', ' USING btree (queue_id, woo_customer_id)', true),
        (6, 'idx_woo_sync_line_result_customer',   'public.woo_customer_sync_queue_line', ' USING btree (result_customer_id) WHERE (result_customer_id IS NOT NULL)', false),
        (7, 'idx_woo_sync_activity_org_created',   'public.woo_sync_activity',            ' USING btree (org_id, created_at DESC)', false),
        (8, 'idx_woo_sync_activity_queue',         'public.woo_sync_activity',            ' USING btree (queue_id, created_at DESC)', false))
           AS e(n, idx, tbl, def, uniq)
      LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = to_regclass('public.' || e.idx)
    UNION ALL
    SELECT 50, 'function public.update_woo_sync_queue_state() returns trigger',
           to_regprocedure('public.update_woo_sync_queue_state()') IS NOT NULL
             AND (SELECT prorettype = 'pg_catalog.trigger'::regtype FROM pg_catalog.pg_proc
                   WHERE oid = to_regprocedure('public.update_woo_sync_queue_state()')),
           CASE WHEN to_regprocedure('public.update_woo_sync_queue_state()') IS NULL THEN 'missing' ELSE 'exists' END
    UNION ALL
    -- tgtype 21 = ROW (1) + INSERT (4) + UPDATE (16), not BEFORE (2), not DELETE (8)
    SELECT 51, 'trigger woo_sync_queue_line_state_change (AFTER INSERT OR UPDATE, FOR EACH ROW)',
           t.oid IS NOT NULL AND t.tgtype = 21 AND t.tgenabled <> 'D'
             AND t.tgfoid = to_regprocedure('public.update_woo_sync_queue_state()'),
           CASE WHEN t.oid IS NULL THEN 'missing'
                WHEN t.tgenabled = 'D' THEN 'disabled'
                ELSE pg_get_triggerdef(t.oid) END
      FROM (SELECT NULL::oid) AS dummy(x)
      LEFT JOIN pg_catalog.pg_trigger t
             ON t.tgrelid = to_regclass('public.woo_customer_sync_queue_line')
            AND t.tgname = 'woo_sync_queue_line_state_change' AND NOT t.tgisinternal
    UNION ALL
    -- grants to authenticated
    SELECT 60 + e.n, 'grants on ' || e.tbl || ' to authenticated',
           coalesce(g.privs @> e.need, false),
           CASE WHEN to_regclass(e.tbl) IS NULL THEN 'table is missing'
                WHEN g.privs IS NULL THEN 'authenticated has no privileges'
                ELSE array_to_string(g.privs, ', ') END
      FROM (VALUES (1, 'public.woo_customer_sync_queue',      ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']),
                   (2, 'public.woo_customer_sync_queue_line', ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']),
                   (3, 'public.woo_sync_activity',            ARRAY['SELECT', 'INSERT'])) AS e(n, tbl, need)
     CROSS JOIN LATERAL (
           SELECT array_agg(a.privilege_type::text ORDER BY a.privilege_type) AS privs
             FROM pg_catalog.pg_class c
            CROSS JOIN LATERAL aclexplode(c.relacl) AS a
             JOIN pg_catalog.pg_roles r ON r.oid = a.grantee AND r.rolname = 'authenticated'
            WHERE c.oid = to_regclass(e.tbl)) AS g
  ) AS v
 ORDER BY v.ord;
