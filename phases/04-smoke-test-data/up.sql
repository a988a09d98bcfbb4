-- Phase 04-smoke-test-data, up: organization slug test-org and user test@example.com
-- in it. This is data in a production database, so every row this phase inserts is
-- marked and down.sql deletes only marked rows:
--   organization       id 00000000-0000-4000-a000-000000000401,
--                      description 'smoke-test data of migrate phase 04-smoke-test-data'
--   users_extended     id 00000000-0000-4000-a000-000000000402,
--                      full_name 'Smoke Test User (migrate phase 04-smoke-test-data)'
-- Idempotent: ON CONFLICT DO NOTHING (on id, slug or email). A test-org or a
-- test@example.com that existed before is left alone (and the user then goes into the
-- existing test-org); down leaves pre-existing rows alone as well.

INSERT INTO public.organization (id, name, slug, description, is_active)
VALUES ('00000000-0000-4000-a000-000000000401', 'Test Organization', 'test-org',
        'smoke-test data of migrate phase 04-smoke-test-data', true)
ON CONFLICT DO NOTHING;

INSERT INTO auth.users_extended (id, org_id, email, full_name, is_active)
SELECT '00000000-0000-4000-a000-000000000402', o.id, 'test@example.com',
       'Smoke Test User (migrate phase 04-smoke-test-data)', true
  FROM public.organization o
 WHERE o.slug = 'test-org'
ON CONFLICT DO NOTHING;
