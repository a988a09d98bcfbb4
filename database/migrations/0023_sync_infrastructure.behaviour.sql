-- 0023_sync_infrastructure, behaviour: the queue's state machine really moves, and each
-- foreign key really cascades / sets NULL. Format (docs/UNITS.md, "Behavioural checks"):
-- the setup below, then named checks (`-- check: NAME task: N`), each run in its own
-- savepoint that is rolled back afterwards, all in one transaction that is rolled back;
-- nothing survives. Task 4: the trigger woo_sync_queue_line_state_change; task 6: each
-- ON DELETE action, on rows that only its foreign key references.
-- Fixture ids are fixed (00000000-0000-4000-b023-…) and marked, so they can be traced.

-- setup
-- Organisation A (the queue of the trigger checks), B and C (one per cascading key).
INSERT INTO public.organization (id, name, slug, description)
SELECT ('00000000-0000-4000-b023-0000000000' || k)::uuid, 'Behaviour check 0023 ' || k, 'migrate-behaviour-0023-' || k,
       'fixture of the 0023 behaviour check (always rolled back)'
  FROM unnest(ARRAY['0a', '0b', '0c']) AS k;
-- Users U1 (queue.created_by) and U2 (activity.user_id); customer C1 (line.result_customer_id).
INSERT INTO public.users (id, email, display_name) VALUES
    ('00000000-0000-4000-b023-0000000000a1', 'behaviour-0023-u1@migrate.invalid', 'Behaviour check 0023 U1'),
    ('00000000-0000-4000-b023-0000000000a2', 'behaviour-0023-u2@migrate.invalid', 'Behaviour check 0023 U2');
INSERT INTO public.customer (id, code, name) VALUES
    ('00000000-0000-4000-b023-0000000000c1', 'migrate-behaviour-0023', 'Behaviour check 0023');

-- Queue 1 (organisation A, three draft lines): the trigger checks.
INSERT INTO public.woo_customer_sync_queue (id, org_id, name) VALUES
    ('00000000-0000-4000-b023-000000000001', '00000000-0000-4000-b023-00000000000a', 'behaviour check 1');
INSERT INTO public.woo_customer_sync_queue_line (id, queue_id, woo_customer_id) VALUES
    ('00000000-0000-4000-b023-000000000011', '00000000-0000-4000-b023-000000000001', 900000001),
    ('00000000-0000-4000-b023-000000000012', '00000000-0000-4000-b023-000000000001', 900000002),
    ('00000000-0000-4000-b023-000000000013', '00000000-0000-4000-b023-000000000001', 900000003);

-- The foreign-key checks' rows, each referenced by one key only.
INSERT INTO public.woo_customer_sync_queue (id, org_id, name, created_by) VALUES
    ('00000000-0000-4000-b023-000000000002', '00000000-0000-4000-b023-00000000000a', 'behaviour check 2 (created_by)', '00000000-0000-4000-b023-0000000000a1'),
    ('00000000-0000-4000-b023-000000000003', '00000000-0000-4000-b023-00000000000a', 'behaviour check 3 (deleted queue)', NULL),
    ('00000000-0000-4000-b023-000000000004', '00000000-0000-4000-b023-00000000000b', 'behaviour check 4 (deleted organisation)', NULL);
INSERT INTO public.woo_customer_sync_queue_line (id, queue_id, woo_customer_id, result_customer_id) VALUES
    ('00000000-0000-4000-b023-000000000021', '00000000-0000-4000-b023-000000000002', 900000011, '00000000-0000-4000-b023-0000000000c1'),
    ('00000000-0000-4000-b023-000000000031', '00000000-0000-4000-b023-000000000003', 900000021, NULL);
INSERT INTO public.woo_sync_activity (id, org_id, queue_id, action, user_id) VALUES
    ('00000000-0000-4000-b023-000000000041', '00000000-0000-4000-b023-00000000000a', NULL, 'behaviour-check', '00000000-0000-4000-b023-0000000000a2'),
    ('00000000-0000-4000-b023-000000000042', '00000000-0000-4000-b023-00000000000a', '00000000-0000-4000-b023-000000000003', 'behaviour-check', NULL),
    ('00000000-0000-4000-b023-000000000043', '00000000-0000-4000-b023-00000000000c', NULL, 'behaviour-check', NULL);

-- ------------------------------------------------------------------ task 4: the state machine
-- check: trigger woo_sync_queue_line_state_change counts inserted lines (queue stays draft) task: 4
-- object: trigger woo_sync_queue_line_state_change on public.woo_customer_sync_queue_line (function public.update_woo_sync_queue_state())
SELECT coalesce(q.state = 'draft' AND q.total_count = 3 AND q.draft_count = 3, false) AS ok,
       'state draft, total 3, draft 3' AS expected,
       format('state %s, total %s, draft %s', q.state, q.total_count, q.draft_count) AS found
  FROM public.woo_customer_sync_queue q WHERE q.id = '00000000-0000-4000-b023-000000000001';

-- check: trigger woo_sync_queue_line_state_change moves the queue to processing task: 4
-- object: trigger woo_sync_queue_line_state_change on public.woo_customer_sync_queue_line (function public.update_woo_sync_queue_state())
UPDATE public.woo_customer_sync_queue_line SET state = 'processing' WHERE id = '00000000-0000-4000-b023-000000000011';
SELECT coalesce(q.state = 'processing' AND q.processing_count = 1 AND q.started_at = now() AND q.completed_at IS NULL, false) AS ok,
       'state processing, processing 1, started_at now, completed_at NULL' AS expected,
       format('state %s, processing %s, started_at %s, completed_at %s',
              q.state, q.processing_count, coalesce(q.started_at::text, 'NULL'), coalesce(q.completed_at::text, 'NULL')) AS found
  FROM public.woo_customer_sync_queue q WHERE q.id = '00000000-0000-4000-b023-000000000001';

-- check: trigger woo_sync_queue_line_state_change finishes the queue as partial task: 4
-- object: trigger woo_sync_queue_line_state_change on public.woo_customer_sync_queue_line (function public.update_woo_sync_queue_state())
UPDATE public.woo_customer_sync_queue_line
   SET state = CASE WHEN id = '00000000-0000-4000-b023-000000000013' THEN 'failed' ELSE 'done' END
 WHERE queue_id = '00000000-0000-4000-b023-000000000001';
SELECT coalesce(q.state = 'partial' AND q.done_count = 2 AND q.failed_count = 1 AND q.completed_at = now(), false) AS ok,
       'state partial, done 2, failed 1, completed_at now' AS expected,
       format('state %s, done %s, failed %s, completed_at %s', q.state, q.done_count, q.failed_count, coalesce(q.completed_at::text, 'NULL')) AS found
  FROM public.woo_customer_sync_queue q WHERE q.id = '00000000-0000-4000-b023-000000000001';

-- ------------------------------------------------------------------ task 6: ON DELETE actions
-- check: deleting a customer sets public.woo_customer_sync_queue_line.result_customer_id to NULL task: 6
-- object: foreign key public.woo_customer_sync_queue_line (result_customer_id) → public.customer ON DELETE SET NULL
DELETE FROM public.customer WHERE id = '00000000-0000-4000-b023-0000000000c1';
SELECT count(*) = 1 AND coalesce(bool_and(result_customer_id IS NULL), false) AS ok, 'line kept, result_customer_id NULL' AS expected,
       CASE WHEN count(*) = 0 THEN 'the line is gone' WHEN bool_and(result_customer_id IS NULL) THEN 'line kept, result_customer_id NULL'
            ELSE 'result_customer_id still references the deleted customer' END AS found
  FROM public.woo_customer_sync_queue_line WHERE id = '00000000-0000-4000-b023-000000000021';

-- check: deleting a user sets public.woo_customer_sync_queue.created_by to NULL task: 6
-- object: foreign key public.woo_customer_sync_queue (created_by) → public.users ON DELETE SET NULL
DELETE FROM public.users WHERE id = '00000000-0000-4000-b023-0000000000a1';
SELECT count(*) = 1 AND coalesce(bool_and(created_by IS NULL), false) AS ok, 'queue kept, created_by NULL' AS expected,
       CASE WHEN count(*) = 0 THEN 'the queue is gone' WHEN bool_and(created_by IS NULL) THEN 'queue kept, created_by NULL'
            ELSE 'created_by still references the deleted user' END AS found
  FROM public.woo_customer_sync_queue WHERE id = '00000000-0000-4000-b023-000000000002';

-- check: deleting a user sets public.woo_sync_activity.user_id to NULL task: 6
-- object: foreign key public.woo_sync_activity (user_id) → public.users ON DELETE SET NULL
DELETE FROM public.users WHERE id = '00000000-0000-4000-b023-0000000000a2';
SELECT count(*) = 1 AND coalesce(bool_and(user_id IS NULL), false) AS ok, 'row kept, user_id NULL' AS expected,
       CASE WHEN count(*) = 0 THEN 'the row is gone' WHEN bool_and(user_id IS NULL) THEN 'row kept, user_id NULL'
            ELSE 'user_id still references the deleted user' END AS found
  FROM public.woo_sync_activity WHERE id = '00000000-0000-4000-b023-000000000041';

-- check: deleting a queue cascades to public.woo_customer_sync_queue_line task: 6
-- object: foreign key public.woo_customer_sync_queue_line (queue_id) → public.woo_customer_sync_queue ON DELETE CASCADE
DELETE FROM public.woo_customer_sync_queue WHERE id = '00000000-0000-4000-b023-000000000003';
SELECT n = 0 AS ok, 'no line of the deleted queue left' AS expected, n || ' line(s) left' AS found
  FROM (SELECT count(*) AS n FROM public.woo_customer_sync_queue_line WHERE id = '00000000-0000-4000-b023-000000000031') AS v;

-- check: deleting a queue sets public.woo_sync_activity.queue_id to NULL task: 6
-- object: foreign key public.woo_sync_activity (queue_id) → public.woo_customer_sync_queue ON DELETE SET NULL
DELETE FROM public.woo_customer_sync_queue WHERE id = '00000000-0000-4000-b023-000000000003';
SELECT count(*) = 1 AND coalesce(bool_and(queue_id IS NULL), false) AS ok, 'row kept, queue_id NULL' AS expected,
       CASE WHEN count(*) = 0 THEN 'the row is gone' WHEN bool_and(queue_id IS NULL) THEN 'row kept, queue_id NULL'
            ELSE 'queue_id still references the deleted queue' END AS found
  FROM public.woo_sync_activity WHERE id = '00000000-0000-4000-b023-000000000042';

-- check: deleting an organisation cascades to public.woo_customer_sync_queue task: 6
-- object: foreign key public.woo_customer_sync_queue (org_id) → public.organization ON DELETE CASCADE
DELETE FROM public.organization WHERE id = '00000000-0000-4000-b023-00000000000b';
SELECT n = 0 AS ok, 'no queue of the deleted organisation left' AS expected, n || ' queue(s) left' AS found
  FROM (SELECT count(*) AS n FROM public.woo_customer_sync_queue WHERE id = '00000000-0000-4000-b023-000000000004') AS v;

-- check: deleting an organisation cascades to public.woo_sync_activity task: 6
-- object: foreign key public.woo_sync_activity (org_id) → public.organization ON DELETE CASCADE
DELETE FROM public.organization WHERE id = '00000000-0000-4000-b023-00000000000c';
SELECT n = 0 AS ok, 'no activity row of the deleted organisation left' AS expected, n || ' row(s) left' AS found
  FROM (SELECT count(*) AS n FROM public.woo_sync_activity WHERE id = '00000000-0000-4000-b023-000000000043') AS v;
