-- migrate:tasks 4,6
-- 0023_sync_infrastructure, behaviour: the queue's state machine really moves, and the
-- foreign keys really cascade / set NULL. `migrate verify` runs this script in a
-- transaction that it always rolls back (short lock_timeout); nothing survives. The last
-- statement returns rows (task, check, ok, detail): task 4 the trigger
-- woo_sync_queue_line_state_change, task 6 the ON DELETE actions.
-- Fixture ids are fixed (00000000-0000-4000-b023-…) and marked, so they can be traced.

CREATE TEMP TABLE behaviour_result (
    task    integer NOT NULL,
    "check" text    NOT NULL,
    ok      boolean NOT NULL,
    detail  text
) ON COMMIT DROP;

-- ------------------------------------------------------------------ fixtures
INSERT INTO public.organization (id, name, slug, description) VALUES
    ('00000000-0000-4000-b023-00000000000a', 'Behaviour check 0023', 'migrate-behaviour-0023',
     'fixture of the 0023 behaviour check (always rolled back)');
INSERT INTO public.users (id, email, display_name) VALUES
    ('00000000-0000-4000-b023-0000000000a1', 'behaviour-0023@migrate.invalid', 'Behaviour check 0023');
INSERT INTO public.customer (id, code, name) VALUES
    ('00000000-0000-4000-b023-0000000000c1', 'migrate-behaviour-0023', 'Behaviour check 0023');

INSERT INTO public.woo_customer_sync_queue (id, org_id, name, created_by) VALUES
    ('00000000-0000-4000-b023-000000000001', '00000000-0000-4000-b023-00000000000a', 'behaviour check 1',
     '00000000-0000-4000-b023-0000000000a1'),
    ('00000000-0000-4000-b023-000000000002', '00000000-0000-4000-b023-00000000000a', 'behaviour check 2', NULL);
INSERT INTO public.woo_customer_sync_queue_line (id, queue_id, woo_customer_id) VALUES
    ('00000000-0000-4000-b023-000000000011', '00000000-0000-4000-b023-000000000001', 900000001),
    ('00000000-0000-4000-b023-000000000012', '00000000-0000-4000-b023-000000000001', 900000002),
    ('00000000-0000-4000-b023-000000000013', '00000000-0000-4000-b023-000000000001', 900000003);
INSERT INTO public.woo_sync_activity (id, org_id, queue_id, action, user_id) VALUES
    ('00000000-0000-4000-b023-000000000021', '00000000-0000-4000-b023-00000000000a',
     '00000000-0000-4000-b023-000000000001', 'behaviour-check', '00000000-0000-4000-b023-0000000000a1');

-- ------------------------------------------------------------------ task 4: the state machine
INSERT INTO behaviour_result
SELECT 4, 'trigger woo_sync_queue_line_state_change counts inserted lines (queue stays draft)',
       coalesce(q.state = 'draft' AND q.total_count = 3 AND q.draft_count = 3, false),
       format('state %s, total %s, draft %s; expected draft, 3, 3', q.state, q.total_count, q.draft_count)
  FROM (SELECT 1) AS one
  LEFT JOIN public.woo_customer_sync_queue q ON q.id = '00000000-0000-4000-b023-000000000001';

UPDATE public.woo_customer_sync_queue_line SET state = 'processing' WHERE id = '00000000-0000-4000-b023-000000000011';
INSERT INTO behaviour_result
SELECT 4, 'trigger woo_sync_queue_line_state_change moves the queue to processing',
       coalesce(q.state = 'processing' AND q.processing_count = 1 AND q.started_at = now() AND q.completed_at IS NULL, false),
       format('state %s, processing %s, started_at %s, completed_at %s; expected processing, 1, now, NULL',
              q.state, q.processing_count, coalesce(q.started_at::text, 'NULL'), coalesce(q.completed_at::text, 'NULL'))
  FROM (SELECT 1) AS one
  LEFT JOIN public.woo_customer_sync_queue q ON q.id = '00000000-0000-4000-b023-000000000001';

UPDATE public.woo_customer_sync_queue_line
   SET state = CASE WHEN id = '00000000-0000-4000-b023-000000000013' THEN 'failed' ELSE 'done' END,
       result_customer_id = CASE WHEN id = '00000000-0000-4000-b023-000000000011'
                                 THEN '00000000-0000-4000-b023-0000000000c1'::uuid END
 WHERE queue_id = '00000000-0000-4000-b023-000000000001';
INSERT INTO behaviour_result
SELECT 4, 'trigger woo_sync_queue_line_state_change finishes the queue as partial',
       coalesce(q.state = 'partial' AND q.done_count = 2 AND q.failed_count = 1 AND q.completed_at = now(), false),
       format('state %s, done %s, failed %s, completed_at %s; expected partial, 2, 1, now',
              q.state, q.done_count, q.failed_count, coalesce(q.completed_at::text, 'NULL'))
  FROM (SELECT 1) AS one
  LEFT JOIN public.woo_customer_sync_queue q ON q.id = '00000000-0000-4000-b023-000000000001';

-- ------------------------------------------------------------------ task 6: ON DELETE actions
DELETE FROM public.customer WHERE id = '00000000-0000-4000-b023-0000000000c1';
DELETE FROM public.users WHERE id = '00000000-0000-4000-b023-0000000000a1';
INSERT INTO behaviour_result
SELECT 6, 'deleting a customer sets public.woo_customer_sync_queue_line.result_customer_id to NULL',
       count(*) = 1 AND coalesce(bool_and(result_customer_id IS NULL), false),
       CASE WHEN count(*) = 0 THEN 'the line is gone (expected it to stay)'
            WHEN bool_and(result_customer_id IS NULL) THEN 'line kept, result_customer_id is NULL'
            ELSE 'result_customer_id still references the deleted customer' END
  FROM public.woo_customer_sync_queue_line WHERE id = '00000000-0000-4000-b023-000000000011'
UNION ALL
SELECT 6, 'deleting a user sets public.woo_customer_sync_queue.created_by to NULL',
       count(*) = 1 AND coalesce(bool_and(created_by IS NULL), false),
       CASE WHEN count(*) = 0 THEN 'the queue is gone (expected it to stay)'
            WHEN bool_and(created_by IS NULL) THEN 'queue kept, created_by is NULL'
            ELSE 'created_by still references the deleted user' END
  FROM public.woo_customer_sync_queue WHERE id = '00000000-0000-4000-b023-000000000001'
UNION ALL
SELECT 6, 'deleting a user sets public.woo_sync_activity.user_id to NULL',
       count(*) = 1 AND coalesce(bool_and(user_id IS NULL), false),
       CASE WHEN count(*) = 0 THEN 'the activity row is gone (expected it to stay)'
            WHEN bool_and(user_id IS NULL) THEN 'row kept, user_id is NULL'
            ELSE 'user_id still references the deleted user' END
  FROM public.woo_sync_activity WHERE id = '00000000-0000-4000-b023-000000000021';

DELETE FROM public.woo_customer_sync_queue WHERE id = '00000000-0000-4000-b023-000000000001';
INSERT INTO behaviour_result
SELECT 6, 'deleting a queue cascades to public.woo_customer_sync_queue_line',
       n = 0, n || ' line(s) of the deleted queue left (expected 0)'
  FROM (SELECT count(*) AS n FROM public.woo_customer_sync_queue_line
         WHERE queue_id = '00000000-0000-4000-b023-000000000001') AS v
UNION ALL
SELECT 6, 'deleting a queue sets public.woo_sync_activity.queue_id to NULL',
       count(*) = 1 AND coalesce(bool_and(queue_id IS NULL), false),
       CASE WHEN count(*) = 0 THEN 'the activity row is gone (expected it to stay)'
            WHEN bool_and(queue_id IS NULL) THEN 'row kept, queue_id is NULL'
            ELSE 'queue_id still references the deleted queue' END
  FROM public.woo_sync_activity WHERE id = '00000000-0000-4000-b023-000000000021';

DELETE FROM public.organization WHERE id = '00000000-0000-4000-b023-00000000000a';
INSERT INTO behaviour_result
SELECT 6, format('deleting an organisation cascades to public.%s', v.tbl),
       v.n = 0, v.n || ' row(s) of the deleted organisation left (expected 0)'
  FROM (SELECT 'woo_customer_sync_queue' AS tbl, count(*) AS n FROM public.woo_customer_sync_queue
         WHERE org_id = '00000000-0000-4000-b023-00000000000a'
        UNION ALL
        SELECT 'woo_sync_activity', count(*) FROM public.woo_sync_activity
         WHERE org_id = '00000000-0000-4000-b023-00000000000a') AS v;

SELECT task, "check", ok, detail FROM behaviour_result ORDER BY task, "check";
