-- migrate:tasks 2,4,6
-- 0024_sync_preview_progress_logs, behaviour: what the objects DO, not only that they
-- exist. `migrate verify` runs this script in a transaction that it always rolls back,
-- with a short lock_timeout; nothing it inserts survives. The last statement returns
-- rows (task, check, ok, detail):
--   task 2  RLS isolation between two organisations, as role authenticated (the table
--           owner bypasses RLS, so the checks SET ROLE);
--   task 4  the progress triggers: elapsed/speed/eta, totals validation, current_item
--           clamp, updated_at, completed_at and the sync_complete activity row;
--   task 6  the six foreign keys: deleting a user sets NULL, deleting an organisation
--           cascades.
-- Inside one transaction now() is constant, so progress rows start in the past.
-- Fixture ids are fixed (00000000-0000-4000-b024-…) and marked, so they can be traced.

CREATE TEMP TABLE behaviour_result (
    task    integer NOT NULL,
    "check" text    NOT NULL,
    ok      boolean NOT NULL,
    detail  text
) ON COMMIT DROP;
-- The isolation checks write their outcome while acting as authenticated.
GRANT SELECT, INSERT ON behaviour_result TO authenticated;

-- ------------------------------------------------------------------ fixtures (as owner)
INSERT INTO public.organization (id, name, slug, description) VALUES
    ('00000000-0000-4000-b024-00000000000a', 'Behaviour check A', 'migrate-behaviour-0024-a',
     'fixture of the 0024 behaviour check (always rolled back)'),
    ('00000000-0000-4000-b024-00000000000b', 'Behaviour check B', 'migrate-behaviour-0024-b',
     'fixture of the 0024 behaviour check (always rolled back)');

INSERT INTO auth.users_extended (id, org_id, email, full_name) VALUES
    ('00000000-0000-4000-b024-0000000000a1', '00000000-0000-4000-b024-00000000000a',
     'behaviour-0024-a@migrate.invalid', 'Behaviour check user A'),
    ('00000000-0000-4000-b024-0000000000b1', '00000000-0000-4000-b024-00000000000b',
     'behaviour-0024-b@migrate.invalid', 'Behaviour check user B');

INSERT INTO public.sync_preview_cache (id, org_id, sync_type, sync_id, computed_by, cache_key) VALUES
    ('00000000-0000-4000-b024-0000000000a2', '00000000-0000-4000-b024-00000000000a', 'woocommerce',
     'behaviour-a', '00000000-0000-4000-b024-0000000000a1', 'migrate-behaviour-0024-a'),
    ('00000000-0000-4000-b024-0000000000b2', '00000000-0000-4000-b024-00000000000b', 'odoo',
     'behaviour-b', '00000000-0000-4000-b024-0000000000b1', 'migrate-behaviour-0024-b');

INSERT INTO public.sync_progress (id, org_id, sync_id, entity_type, total_items, initiated_by, started_at) VALUES
    ('00000000-0000-4000-b024-0000000000a3', '00000000-0000-4000-b024-00000000000a', 'behaviour-a',
     'customer', 10, '00000000-0000-4000-b024-0000000000a1', now() - interval '1 minute'),
    ('00000000-0000-4000-b024-0000000000b3', '00000000-0000-4000-b024-00000000000b', 'behaviour-b',
     'product', 10, '00000000-0000-4000-b024-0000000000b1', now() - interval '1 minute');

INSERT INTO public.sync_activity_log (id, org_id, sync_id, entity_type, action, status, user_id) VALUES
    ('00000000-0000-4000-b024-0000000000a4', '00000000-0000-4000-b024-00000000000a', 'behaviour-a',
     'customer', 'sync_start', 'in_progress', '00000000-0000-4000-b024-0000000000a1'),
    ('00000000-0000-4000-b024-0000000000b4', '00000000-0000-4000-b024-00000000000b', 'behaviour-b',
     'product', 'sync_start', 'in_progress', '00000000-0000-4000-b024-0000000000b1');

-- ------------------------------------------------------------------ task 2: isolation
SET LOCAL ROLE authenticated;

-- Each user sees exactly its own organisation's row in each table, and nothing else.
SELECT set_config('app.current_user_id', '00000000-0000-4000-b024-0000000000a1', true);
INSERT INTO behaviour_result
SELECT 2, format('isolation: a user of organisation A sees only A''s rows in public.%s', v.tbl),
       v.own = 1 AND v.other = 0,
       format('as authenticated with auth.uid() = user A: %s own row(s) (expected 1), %s of other organisations (expected 0)', v.own, v.other)
  FROM (SELECT 'sync_preview_cache' AS tbl,
               count(*) FILTER (WHERE org_id = '00000000-0000-4000-b024-00000000000a') AS own,
               count(*) FILTER (WHERE org_id <> '00000000-0000-4000-b024-00000000000a') AS other
          FROM public.sync_preview_cache
        UNION ALL
        SELECT 'sync_progress',
               count(*) FILTER (WHERE org_id = '00000000-0000-4000-b024-00000000000a'),
               count(*) FILTER (WHERE org_id <> '00000000-0000-4000-b024-00000000000a')
          FROM public.sync_progress
        UNION ALL
        SELECT 'sync_activity_log',
               count(*) FILTER (WHERE org_id = '00000000-0000-4000-b024-00000000000a'),
               count(*) FILTER (WHERE org_id <> '00000000-0000-4000-b024-00000000000a')
          FROM public.sync_activity_log) AS v;

-- Writing into the other organisation is refused (RLS WITH CHECK), and its rows cannot
-- be updated or deleted (USING hides them).
DO $$
DECLARE
    v_b constant uuid := '00000000-0000-4000-b024-00000000000b';
    v_n integer;
BEGIN
    BEGIN
        INSERT INTO public.sync_preview_cache (org_id, sync_type, sync_id) VALUES (v_b, 'custom', 'behaviour-intrusion');
        INSERT INTO behaviour_result VALUES (2, 'isolation: user A cannot insert into public.sync_preview_cache for organisation B', false, 'the insert was accepted');
    EXCEPTION WHEN insufficient_privilege THEN
        INSERT INTO behaviour_result VALUES (2, 'isolation: user A cannot insert into public.sync_preview_cache for organisation B', true, 'refused: ' || SQLERRM);
    END;
    BEGIN
        INSERT INTO public.sync_progress (org_id, sync_id, entity_type) VALUES (v_b, 'behaviour-intrusion', 'customer');
        INSERT INTO behaviour_result VALUES (2, 'isolation: user A cannot insert into public.sync_progress for organisation B', false, 'the insert was accepted');
    EXCEPTION WHEN insufficient_privilege THEN
        INSERT INTO behaviour_result VALUES (2, 'isolation: user A cannot insert into public.sync_progress for organisation B', true, 'refused: ' || SQLERRM);
    END;
    BEGIN
        INSERT INTO public.sync_activity_log (org_id, sync_id, action, status) VALUES (v_b, 'behaviour-intrusion', 'manual_trigger', 'pending');
        INSERT INTO behaviour_result VALUES (2, 'isolation: user A cannot insert into public.sync_activity_log for organisation B', false, 'the insert was accepted');
    EXCEPTION WHEN insufficient_privilege THEN
        INSERT INTO behaviour_result VALUES (2, 'isolation: user A cannot insert into public.sync_activity_log for organisation B', true, 'refused: ' || SQLERRM);
    END;

    UPDATE public.sync_progress SET job_id = 'behaviour-intrusion' WHERE org_id = v_b;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    INSERT INTO behaviour_result VALUES (2, 'isolation: user A cannot update organisation B''s public.sync_progress rows', v_n = 0, v_n || ' row(s) updated (expected 0)');
    DELETE FROM public.sync_preview_cache WHERE org_id = v_b;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    INSERT INTO behaviour_result VALUES (2, 'isolation: user A cannot delete organisation B''s public.sync_preview_cache rows', v_n = 0, v_n || ' row(s) deleted (expected 0)');
END
$$;

SELECT set_config('app.current_user_id', '00000000-0000-4000-b024-0000000000b1', true);
INSERT INTO behaviour_result
SELECT 2, 'isolation: a user of organisation B sees only B''s rows in the three tables',
       v.own = 3 AND v.other = 0,
       format('as authenticated with auth.uid() = user B: %s own row(s) (expected 3, one per table), %s of other organisations (expected 0)', v.own, v.other)
  FROM (SELECT count(*) FILTER (WHERE org_id = '00000000-0000-4000-b024-00000000000b') AS own,
               count(*) FILTER (WHERE org_id <> '00000000-0000-4000-b024-00000000000b') AS other
          FROM (SELECT org_id FROM public.sync_preview_cache
                UNION ALL SELECT org_id FROM public.sync_progress
                UNION ALL SELECT org_id FROM public.sync_activity_log) AS u) AS v;

-- Without a user (auth.uid() is NULL) nothing is visible.
SELECT set_config('app.current_user_id', '', true);
INSERT INTO behaviour_result
SELECT 2, 'isolation: without a current user nothing is visible',
       v.n = 0, format('as authenticated with auth.uid() NULL: %s row(s) visible (expected 0)', v.n)
  FROM (SELECT (SELECT count(*) FROM public.sync_preview_cache)
             + (SELECT count(*) FROM public.sync_progress)
             + (SELECT count(*) FROM public.sync_activity_log) AS n) AS v;

RESET ROLE;

-- ------------------------------------------------------------------ task 4: triggers (as owner)
-- Started 100 s ago, 50 of 100 processed: elapsed 100 s, speed 30/min, eta 100 s.
INSERT INTO public.sync_progress (id, org_id, sync_id, entity_type, total_items, initiated_by, started_at, updated_at)
VALUES ('00000000-0000-4000-b024-0000000000a5', '00000000-0000-4000-b024-00000000000a', 'behaviour-triggers',
        'order', 100, '00000000-0000-4000-b024-0000000000a1', now() - interval '100 seconds', now() - interval '1 hour');
UPDATE public.sync_progress SET processed_count = 50 WHERE id = '00000000-0000-4000-b024-0000000000a5';

INSERT INTO behaviour_result
SELECT 4, 'trigger sync_progress_update_elapsed computes elapsed, speed and eta',
       coalesce(p.elapsed_seconds = 100 AND p.speed_items_per_min = 30.00 AND p.eta_seconds = 100, false),
       CASE WHEN p.id IS NULL THEN 'the progress row is missing'
            ELSE format('elapsed %s s, speed %s items/min, eta %s s; expected 100, 30.00, 100',
                        p.elapsed_seconds, coalesce(p.speed_items_per_min::text, 'NULL'), coalesce(p.eta_seconds::text, 'NULL')) END
  FROM (SELECT 1) AS one
  LEFT JOIN public.sync_progress p ON p.id = '00000000-0000-4000-b024-0000000000a5'
UNION ALL
SELECT 4, 'trigger sync_progress_update_timestamp sets updated_at on update',
       coalesce(p.updated_at = now(), false),
       CASE WHEN p.id IS NULL THEN 'the progress row is missing'
            ELSE format('updated_at is %s after an update at %s (it was an hour earlier)', p.updated_at, now()) END
  FROM (SELECT 1) AS one
  LEFT JOIN public.sync_progress p ON p.id = '00000000-0000-4000-b024-0000000000a5';

DO $$
BEGIN
    BEGIN
        UPDATE public.sync_progress SET processed_count = 60, failed_count = 50
         WHERE id = '00000000-0000-4000-b024-0000000000a5';
        INSERT INTO behaviour_result VALUES (4, 'trigger sync_progress_validate_totals rejects processed + failed > total', false,
                                             'processed 60 + failed 50 > total 100 was accepted');
    EXCEPTION WHEN check_violation THEN
        INSERT INTO behaviour_result VALUES (4, 'trigger sync_progress_validate_totals rejects processed + failed > total',
            SQLERRM LIKE '%exceeds total_items%',
            CASE WHEN SQLERRM LIKE '%exceeds total_items%' THEN 'refused: ' || SQLERRM
                 ELSE 'refused by the check constraint only, not by the trigger: ' || SQLERRM END);
    END;
END
$$;

UPDATE public.sync_progress SET current_item = 150 WHERE id = '00000000-0000-4000-b024-0000000000a5';
INSERT INTO behaviour_result
SELECT 4, 'trigger sync_progress_validate_totals clamps current_item to total_items',
       coalesce(p.current_item = 100, false),
       format('current_item is %s after setting 150 with total 100 (expected 100)', coalesce(p.current_item::text, 'missing'))
  FROM (SELECT 1) AS one
  LEFT JOIN public.sync_progress p ON p.id = '00000000-0000-4000-b024-0000000000a5';

-- All items done (95 processed, 5 failed): completed_at is set and the AFTER trigger
-- logs a sync_complete row with status completed_with_errors.
UPDATE public.sync_progress SET processed_count = 95, failed_count = 5 WHERE id = '00000000-0000-4000-b024-0000000000a5';
INSERT INTO behaviour_result
SELECT 4, 'trigger sync_progress_validate_totals sets completed_at when all items are done',
       coalesce(p.completed_at = now(), false),
       format('completed_at is %s (expected %s)', coalesce(p.completed_at::text, 'NULL'), now())
  FROM (SELECT 1) AS one
  LEFT JOIN public.sync_progress p ON p.id = '00000000-0000-4000-b024-0000000000a5'
UNION ALL
SELECT 4, 'trigger sync_progress_log_completion logs a sync_complete activity row',
       count(*) = 1 AND bool_and(l.status = 'completed_with_errors' AND l.record_count = 95
                                 AND l.user_id = '00000000-0000-4000-b024-0000000000a1'),
       CASE WHEN count(*) = 0 THEN 'no sync_complete row was logged for sync behaviour-triggers'
            ELSE format('%s row(s): %s', count(*), string_agg(format('status %s, record_count %s', l.status, l.record_count), '; ')) END
  FROM public.sync_activity_log l
 WHERE l.org_id = '00000000-0000-4000-b024-00000000000a' AND l.sync_id = 'behaviour-triggers' AND l.action = 'sync_complete';

-- ------------------------------------------------------------------ task 6: ON DELETE actions
-- Deleting user A sets computed_by / initiated_by / user_id to NULL, the rows stay.
DELETE FROM auth.users_extended WHERE id = '00000000-0000-4000-b024-0000000000a1';
INSERT INTO behaviour_result
SELECT 6, format('deleting a user sets public.%s.%s to NULL', v.tbl, v.col),
       v.kept AND v.nulled,
       CASE WHEN NOT v.kept THEN 'the row referencing the user is gone (expected it to stay)'
            WHEN v.nulled THEN 'row kept, ' || v.col || ' is NULL'
            ELSE v.col || ' still references the deleted user' END
  FROM (SELECT 'sync_preview_cache' AS tbl, 'computed_by' AS col, count(*) = 1 AS kept, coalesce(bool_and(computed_by IS NULL), false) AS nulled
          FROM public.sync_preview_cache WHERE id = '00000000-0000-4000-b024-0000000000a2'
        UNION ALL
        SELECT 'sync_progress', 'initiated_by', count(*) = 1, coalesce(bool_and(initiated_by IS NULL), false)
          FROM public.sync_progress WHERE id = '00000000-0000-4000-b024-0000000000a3'
        UNION ALL
        SELECT 'sync_activity_log', 'user_id', count(*) = 1, coalesce(bool_and(user_id IS NULL), false)
          FROM public.sync_activity_log WHERE id = '00000000-0000-4000-b024-0000000000a4') AS v;

-- Deleting organisation B removes its rows in the three tables (and its user).
DELETE FROM public.organization WHERE id = '00000000-0000-4000-b024-00000000000b';
INSERT INTO behaviour_result
SELECT 6, format('deleting an organisation cascades to public.%s', v.tbl),
       v.n = 0, v.n || ' row(s) of the deleted organisation left (expected 0)'
  FROM (SELECT 'sync_preview_cache' AS tbl, count(*) AS n FROM public.sync_preview_cache WHERE org_id = '00000000-0000-4000-b024-00000000000b'
        UNION ALL
        SELECT 'sync_progress', count(*) FROM public.sync_progress WHERE org_id = '00000000-0000-4000-b024-00000000000b'
        UNION ALL
        SELECT 'sync_activity_log', count(*) FROM public.sync_activity_log WHERE org_id = '00000000-0000-4000-b024-00000000000b') AS v;

SELECT task, "check", ok, detail FROM behaviour_result ORDER BY task, "check";
