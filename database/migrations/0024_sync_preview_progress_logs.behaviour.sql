-- 0024_sync_preview_progress_logs, behaviour: what the objects DO, not only that they
-- exist. Format (docs/UNITS.md, "Behavioural checks"): the setup below, then named checks,
-- each `-- check: NAME task: N` with the object it proves (`-- object:`). `migrate verify`
-- runs the setup, then each check in its own savepoint that is rolled back afterwards, all
-- in one transaction that is rolled back; nothing survives. A check's last statement
-- returns rows (ok, detail, or expected/found, and object where one row is about one object).
--   task 2  RLS isolation between two organisations, one check per command, as role
--           authenticated (the table owner bypasses RLS, so the checks SET ROLE);
--   task 4  each progress trigger on its own;
--   task 6  each of the six foreign keys' ON DELETE action, each on rows of its own.
-- Inside one transaction now() is constant, so progress rows start in the past.
-- Fixture ids are fixed (00000000-0000-4000-b024-…) and marked, so they can be traced.

-- setup
-- A probe the checks fill where one statement cannot say all (a DO block per table).
CREATE TEMP TABLE behaviour_probe (
    ok       boolean NOT NULL,
    object   text    NOT NULL,
    expected text,
    found    text
) ON COMMIT DROP;
GRANT SELECT, INSERT ON behaviour_probe TO authenticated;

-- Organisations A and B (isolation, triggers), C1..C3 (one per cascading foreign key).
INSERT INTO public.organization (id, name, slug, description)
SELECT ('00000000-0000-4000-b024-0000000000' || k)::uuid, 'Behaviour check ' || k, 'migrate-behaviour-0024-' || k,
       'fixture of the 0024 behaviour check (always rolled back)'
  FROM unnest(ARRAY['0a', '0b', 'c1', 'c2', 'c3']) AS k;

-- Users A and B (isolation), U1..U3 of organisation A (one per SET NULL foreign key).
INSERT INTO auth.users_extended (id, org_id, email, full_name)
SELECT ('00000000-0000-4000-b024-0000000000' || u)::uuid, ('00000000-0000-4000-b024-0000000000' || o)::uuid,
       'behaviour-0024-' || u || '@migrate.invalid', 'Behaviour check user ' || u
  FROM (VALUES ('a1', '0a'), ('b1', '0b'), ('d1', '0a'), ('d2', '0a'), ('d3', '0a')) AS v(u, o);

-- One row per organisation A and B in each table (isolation).
INSERT INTO public.sync_preview_cache (id, org_id, sync_type, sync_id, cache_key) VALUES
    ('00000000-0000-4000-b024-0000000000a2', '00000000-0000-4000-b024-00000000000a', 'woocommerce', 'behaviour-a', 'migrate-behaviour-0024-a'),
    ('00000000-0000-4000-b024-0000000000b2', '00000000-0000-4000-b024-00000000000b', 'odoo', 'behaviour-b', 'migrate-behaviour-0024-b');
INSERT INTO public.sync_progress (id, org_id, sync_id, entity_type, total_items, started_at) VALUES
    ('00000000-0000-4000-b024-0000000000a3', '00000000-0000-4000-b024-00000000000a', 'behaviour-a', 'customer', 10, now() - interval '1 minute'),
    ('00000000-0000-4000-b024-0000000000b3', '00000000-0000-4000-b024-00000000000b', 'behaviour-b', 'product', 10, now() - interval '1 minute');
INSERT INTO public.sync_activity_log (id, org_id, sync_id, entity_type, action, status) VALUES
    ('00000000-0000-4000-b024-0000000000a4', '00000000-0000-4000-b024-00000000000a', 'behaviour-a', 'customer', 'sync_start', 'in_progress'),
    ('00000000-0000-4000-b024-0000000000b4', '00000000-0000-4000-b024-00000000000b', 'behaviour-b', 'product', 'sync_start', 'in_progress');

-- The trigger checks' row: started 100 s ago, 100 items, updated_at an hour ago.
INSERT INTO public.sync_progress (id, org_id, sync_id, entity_type, total_items, initiated_by, started_at, updated_at)
VALUES ('00000000-0000-4000-b024-0000000000a5', '00000000-0000-4000-b024-00000000000a', 'behaviour-triggers',
        'order', 100, '00000000-0000-4000-b024-0000000000a1', now() - interval '100 seconds', now() - interval '1 hour');

-- The foreign-key checks' rows: each references only its own organisation or user.
INSERT INTO public.sync_preview_cache (id, org_id, sync_type, sync_id, computed_by) VALUES
    ('00000000-0000-4000-b024-0000000000e1', '00000000-0000-4000-b024-0000000000c1', 'woocommerce', 'behaviour-fk', NULL),
    ('00000000-0000-4000-b024-0000000000f1', '00000000-0000-4000-b024-00000000000a', 'woocommerce', 'behaviour-fk', '00000000-0000-4000-b024-0000000000d1');
INSERT INTO public.sync_progress (id, org_id, sync_id, entity_type, initiated_by) VALUES
    ('00000000-0000-4000-b024-0000000000e2', '00000000-0000-4000-b024-0000000000c2', 'behaviour-fk-c2', 'customer', NULL),
    ('00000000-0000-4000-b024-0000000000f2', '00000000-0000-4000-b024-00000000000a', 'behaviour-fk-d2', 'customer', '00000000-0000-4000-b024-0000000000d2');
INSERT INTO public.sync_activity_log (id, org_id, sync_id, action, status, user_id) VALUES
    ('00000000-0000-4000-b024-0000000000e3', '00000000-0000-4000-b024-0000000000c3', 'behaviour-fk', 'manual_trigger', 'pending', NULL),
    ('00000000-0000-4000-b024-0000000000f3', '00000000-0000-4000-b024-00000000000a', 'behaviour-fk', 'manual_trigger', 'pending', '00000000-0000-4000-b024-0000000000d3');

-- ------------------------------------------------------------------ task 2: isolation
-- check: isolation: SELECT shows a user only its organisation's rows task: 2
SET LOCAL ROLE authenticated;
SELECT set_config('app.current_user_id', '00000000-0000-4000-b024-0000000000a1', true);
SELECT v.own = 1 AND v.other = 0 AS ok, format('policy %s on public.%s', v.policy, v.tbl) AS object,
       'user A sees its 1 row and no row of organisation B' AS expected,
       format('user A sees %s own row(s) and %s of other organisations', v.own, v.other) AS found
  FROM (SELECT 'preview_cache_select' AS policy, 'sync_preview_cache' AS tbl,
               count(*) FILTER (WHERE org_id = '00000000-0000-4000-b024-00000000000a' AND sync_id = 'behaviour-a') AS own,
               count(*) FILTER (WHERE org_id <> '00000000-0000-4000-b024-00000000000a') AS other
          FROM public.sync_preview_cache
        UNION ALL
        SELECT 'sync_progress_select', 'sync_progress',
               count(*) FILTER (WHERE org_id = '00000000-0000-4000-b024-00000000000a' AND sync_id = 'behaviour-a'),
               count(*) FILTER (WHERE org_id <> '00000000-0000-4000-b024-00000000000a')
          FROM public.sync_progress
        UNION ALL
        SELECT 'sync_activity_log_select', 'sync_activity_log',
               count(*) FILTER (WHERE org_id = '00000000-0000-4000-b024-00000000000a' AND sync_id = 'behaviour-a'),
               count(*) FILTER (WHERE org_id <> '00000000-0000-4000-b024-00000000000a')
          FROM public.sync_activity_log) AS v;

-- check: isolation: without a current user nothing is visible task: 2
-- object: the select policies of public.sync_preview_cache, public.sync_progress, public.sync_activity_log
SET LOCAL ROLE authenticated;
SELECT set_config('app.current_user_id', '', true);
SELECT v.n = 0 AS ok, 'no row' AS expected, format('%s row(s) visible with auth.uid() NULL', v.n) AS found
  FROM (SELECT (SELECT count(*) FROM public.sync_preview_cache)
             + (SELECT count(*) FROM public.sync_progress)
             + (SELECT count(*) FROM public.sync_activity_log) AS n) AS v;

-- check: isolation: INSERT only into the user's own organisation task: 2
SET LOCAL ROLE authenticated;
SELECT set_config('app.current_user_id', '00000000-0000-4000-b024-0000000000a1', true);
DO $do$
DECLARE
    t record;
    own text;
    other text;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('preview_cache_insert', 'sync_preview_cache', $q$INSERT INTO public.sync_preview_cache (org_id, sync_type, sync_id) VALUES ($1, 'shopify', 'behaviour-insert')$q$),
        ('sync_progress_insert', 'sync_progress', $q$INSERT INTO public.sync_progress (org_id, sync_id, entity_type) VALUES ($1, 'behaviour-insert-' || $1, 'customer')$q$),
        ('sync_activity_log_insert', 'sync_activity_log', $q$INSERT INTO public.sync_activity_log (org_id, sync_id, action, status) VALUES ($1, 'behaviour-insert', 'manual_trigger', 'pending')$q$))
        AS v(policy, tbl, stmt)
    LOOP
        BEGIN
            EXECUTE t.stmt USING '00000000-0000-4000-b024-00000000000a'::uuid;
            own := 'accepted';
        EXCEPTION WHEN insufficient_privilege THEN
            own := 'refused (' || SQLERRM || ')';
        END;
        BEGIN
            EXECUTE t.stmt USING '00000000-0000-4000-b024-00000000000b'::uuid;
            other := 'accepted';
        EXCEPTION WHEN insufficient_privilege THEN
            other := 'refused';
        END;
        INSERT INTO behaviour_probe VALUES (own = 'accepted' AND other = 'refused', format('policy %s on public.%s', t.policy, t.tbl),
            'a row of organisation A accepted, one of organisation B refused',
            format('organisation A: %s; organisation B: %s', own, other));
    END LOOP;
END
$do$;
SELECT ok, object, expected, found FROM behaviour_probe;

-- check: isolation: UPDATE reaches only the user's own organisation task: 2
SET LOCAL ROLE authenticated;
SELECT set_config('app.current_user_id', '00000000-0000-4000-b024-0000000000a1', true);
DO $do$
DECLARE
    t record;
    own integer;
    other integer;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('preview_cache_update', 'sync_preview_cache'), ('sync_progress_update', 'sync_progress'), ('sync_activity_log_update', 'sync_activity_log'))
        AS v(policy, tbl)
    LOOP
        EXECUTE format('UPDATE public.%I SET sync_id = sync_id WHERE org_id = $1 AND sync_id = $2', t.tbl) USING '00000000-0000-4000-b024-00000000000a'::uuid, 'behaviour-a';
        GET DIAGNOSTICS own = ROW_COUNT;
        EXECUTE format('UPDATE public.%I SET sync_id = sync_id WHERE org_id = $1', t.tbl) USING '00000000-0000-4000-b024-00000000000b'::uuid;
        GET DIAGNOSTICS other = ROW_COUNT;
        INSERT INTO behaviour_probe VALUES (own = 1 AND other = 0, format('policy %s on public.%s', t.policy, t.tbl),
            'its own row updated (1), none of organisation B (0)', format('%s own row(s) and %s of organisation B updated', own, other));
    END LOOP;
END
$do$;
SELECT ok, object, expected, found FROM behaviour_probe;

-- check: isolation: DELETE reaches only the user's own organisation task: 2
SET LOCAL ROLE authenticated;
SELECT set_config('app.current_user_id', '00000000-0000-4000-b024-0000000000a1', true);
DO $do$
DECLARE
    t record;
    own integer;
    other integer;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('preview_cache_delete', 'sync_preview_cache'), ('sync_progress_delete', 'sync_progress'), ('sync_activity_log_delete', 'sync_activity_log'))
        AS v(policy, tbl)
    LOOP
        EXECUTE format('DELETE FROM public.%I WHERE org_id = $1 AND sync_id = $2', t.tbl) USING '00000000-0000-4000-b024-00000000000a'::uuid, 'behaviour-a';
        GET DIAGNOSTICS own = ROW_COUNT;
        EXECUTE format('DELETE FROM public.%I WHERE org_id = $1', t.tbl) USING '00000000-0000-4000-b024-00000000000b'::uuid;
        GET DIAGNOSTICS other = ROW_COUNT;
        INSERT INTO behaviour_probe VALUES (own = 1 AND other = 0, format('policy %s on public.%s', t.policy, t.tbl),
            'its own row deleted (1), none of organisation B (0)', format('%s own row(s) and %s of organisation B deleted', own, other));
    END LOOP;
END
$do$;
SELECT ok, object, expected, found FROM behaviour_probe;

-- ------------------------------------------------------------------ task 4: triggers (as owner)
-- check: trigger sync_progress_update_elapsed computes elapsed, speed and eta task: 4
-- object: trigger sync_progress_update_elapsed on public.sync_progress (function public.update_sync_progress_elapsed())
-- Started 100 s ago, 50 of 100 processed: elapsed 100 s, speed 30/min, eta 100 s.
UPDATE public.sync_progress SET processed_count = 50 WHERE id = '00000000-0000-4000-b024-0000000000a5';
SELECT coalesce(p.elapsed_seconds = 100 AND p.speed_items_per_min = 30.00 AND p.eta_seconds = 100, false) AS ok,
       'elapsed 100 s, speed 30.00 items/min, eta 100 s' AS expected,
       format('elapsed %s s, speed %s items/min, eta %s s', coalesce(p.elapsed_seconds::text, 'NULL'),
              coalesce(p.speed_items_per_min::text, 'NULL'), coalesce(p.eta_seconds::text, 'NULL')) AS found
  FROM public.sync_progress p WHERE p.id = '00000000-0000-4000-b024-0000000000a5';

-- check: trigger sync_progress_update_timestamp sets updated_at on update task: 4
-- object: trigger sync_progress_update_timestamp on public.sync_progress (function public.update_sync_progress_timestamp())
UPDATE public.sync_progress SET job_id = 'behaviour-timestamp' WHERE id = '00000000-0000-4000-b024-0000000000a5';
SELECT coalesce(p.updated_at = now(), false) AS ok, format('updated_at = now() (%s)', now()) AS expected,
       format('updated_at is %s (it was an hour earlier)', p.updated_at) AS found
  FROM public.sync_progress p WHERE p.id = '00000000-0000-4000-b024-0000000000a5';

-- check: trigger sync_progress_validate_totals rejects processed + failed > total task: 4
-- object: trigger sync_progress_validate_totals on public.sync_progress (function public.validate_sync_progress_totals())
DO $do$
BEGIN
    UPDATE public.sync_progress SET processed_count = 60, failed_count = 50 WHERE id = '00000000-0000-4000-b024-0000000000a5';
    PERFORM set_config('behaviour.outcome', 'accepted', true);
EXCEPTION WHEN check_violation THEN
    PERFORM set_config('behaviour.outcome', SQLERRM, true);
END
$do$;
SELECT current_setting('behaviour.outcome') LIKE '%exceeds total_items%' AS ok,
       'the trigger refuses it: "… exceeds total_items …"' AS expected,
       CASE WHEN current_setting('behaviour.outcome') = 'accepted' THEN 'processed 60 + failed 50 > total 100 was accepted'
            WHEN current_setting('behaviour.outcome') LIKE '%exceeds total_items%' THEN 'refused: ' || current_setting('behaviour.outcome')
            ELSE 'refused by something else than the trigger: ' || current_setting('behaviour.outcome') END AS found;

-- check: trigger sync_progress_validate_totals clamps current_item to total_items task: 4
-- object: trigger sync_progress_validate_totals on public.sync_progress (function public.validate_sync_progress_totals())
UPDATE public.sync_progress SET current_item = 150 WHERE id = '00000000-0000-4000-b024-0000000000a5';
SELECT coalesce(p.current_item = 100, false) AS ok, 'current_item 100 after setting 150 with total 100' AS expected,
       format('current_item is %s', coalesce(p.current_item::text, 'NULL')) AS found
  FROM public.sync_progress p WHERE p.id = '00000000-0000-4000-b024-0000000000a5';

-- check: trigger sync_progress_validate_totals sets completed_at when all items are done task: 4
-- object: trigger sync_progress_validate_totals on public.sync_progress (function public.validate_sync_progress_totals())
UPDATE public.sync_progress SET processed_count = 95, failed_count = 5 WHERE id = '00000000-0000-4000-b024-0000000000a5';
SELECT coalesce(p.completed_at = now(), false) AS ok, format('completed_at = now() (%s)', now()) AS expected,
       format('completed_at is %s', coalesce(p.completed_at::text, 'NULL')) AS found
  FROM public.sync_progress p WHERE p.id = '00000000-0000-4000-b024-0000000000a5';

-- check: trigger sync_progress_log_completion logs a sync_complete activity row task: 4
-- object: trigger sync_progress_log_completion on public.sync_progress (function public.auto_log_sync_activity_on_progress_change())
-- completed_at is set here, not left to the validation trigger: this check is about the AFTER trigger alone.
UPDATE public.sync_progress SET processed_count = 95, failed_count = 5, completed_at = now() WHERE id = '00000000-0000-4000-b024-0000000000a5';
SELECT count(*) = 1 AND coalesce(bool_and(l.status = 'completed_with_errors' AND l.record_count = 95
                                           AND l.user_id = '00000000-0000-4000-b024-0000000000a1'), false) AS ok,
       'one sync_complete row: status completed_with_errors, record_count 95, user A' AS expected,
       CASE WHEN count(*) = 0 THEN 'no sync_complete row was logged'
            ELSE format('%s row(s): %s', count(*), string_agg(format('status %s, record_count %s', l.status, l.record_count), '; ')) END AS found
  FROM public.sync_activity_log l
 WHERE l.org_id = '00000000-0000-4000-b024-00000000000a' AND l.sync_id = 'behaviour-triggers' AND l.action = 'sync_complete';

-- ------------------------------------------------------------------ task 6: ON DELETE actions
-- check: deleting a user sets public.sync_preview_cache.computed_by to NULL task: 6
-- object: foreign key public.sync_preview_cache (computed_by) → auth.users_extended ON DELETE SET NULL
DELETE FROM auth.users_extended WHERE id = '00000000-0000-4000-b024-0000000000d1';
SELECT count(*) = 1 AND coalesce(bool_and(computed_by IS NULL), false) AS ok, 'row kept, computed_by NULL' AS expected,
       CASE WHEN count(*) = 0 THEN 'the row is gone' WHEN bool_and(computed_by IS NULL) THEN 'row kept, computed_by NULL'
            ELSE 'computed_by still references the deleted user' END AS found
  FROM public.sync_preview_cache WHERE id = '00000000-0000-4000-b024-0000000000f1';

-- check: deleting a user sets public.sync_progress.initiated_by to NULL task: 6
-- object: foreign key public.sync_progress (initiated_by) → auth.users_extended ON DELETE SET NULL
DELETE FROM auth.users_extended WHERE id = '00000000-0000-4000-b024-0000000000d2';
SELECT count(*) = 1 AND coalesce(bool_and(initiated_by IS NULL), false) AS ok, 'row kept, initiated_by NULL' AS expected,
       CASE WHEN count(*) = 0 THEN 'the row is gone' WHEN bool_and(initiated_by IS NULL) THEN 'row kept, initiated_by NULL'
            ELSE 'initiated_by still references the deleted user' END AS found
  FROM public.sync_progress WHERE id = '00000000-0000-4000-b024-0000000000f2';

-- check: deleting a user sets public.sync_activity_log.user_id to NULL task: 6
-- object: foreign key fk_sync_activity_user: public.sync_activity_log (user_id) → auth.users_extended ON DELETE SET NULL
DELETE FROM auth.users_extended WHERE id = '00000000-0000-4000-b024-0000000000d3';
SELECT count(*) = 1 AND coalesce(bool_and(user_id IS NULL), false) AS ok, 'row kept, user_id NULL' AS expected,
       CASE WHEN count(*) = 0 THEN 'the row is gone' WHEN bool_and(user_id IS NULL) THEN 'row kept, user_id NULL'
            ELSE 'user_id still references the deleted user' END AS found
  FROM public.sync_activity_log WHERE id = '00000000-0000-4000-b024-0000000000f3';

-- check: deleting an organisation cascades to public.sync_preview_cache task: 6
-- object: foreign key public.sync_preview_cache (org_id) → public.organization ON DELETE CASCADE
DELETE FROM public.organization WHERE id = '00000000-0000-4000-b024-0000000000c1';
SELECT n = 0 AS ok, 'no row of the deleted organisation left' AS expected, n || ' row(s) left' AS found
  FROM (SELECT count(*) AS n FROM public.sync_preview_cache WHERE id = '00000000-0000-4000-b024-0000000000e1') AS v;

-- check: deleting an organisation cascades to public.sync_progress task: 6
-- object: foreign key public.sync_progress (org_id) → public.organization ON DELETE CASCADE
DELETE FROM public.organization WHERE id = '00000000-0000-4000-b024-0000000000c2';
SELECT n = 0 AS ok, 'no row of the deleted organisation left' AS expected, n || ' row(s) left' AS found
  FROM (SELECT count(*) AS n FROM public.sync_progress WHERE id = '00000000-0000-4000-b024-0000000000e2') AS v;

-- check: deleting an organisation cascades to public.sync_activity_log task: 6
-- object: foreign key fk_sync_activity_org: public.sync_activity_log (org_id) → public.organization ON DELETE CASCADE
DELETE FROM public.organization WHERE id = '00000000-0000-4000-b024-0000000000c3';
SELECT n = 0 AS ok, 'no row of the deleted organisation left' AS expected, n || ' row(s) left' AS found
  FROM (SELECT count(*) AS n FROM public.sync_activity_log WHERE id = '00000000-0000-4000-b024-0000000000e3') AS v;
