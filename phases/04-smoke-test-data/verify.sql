-- Phase 04-smoke-test-data, verify: organization test-org and user test@example.com in
-- it exist; the detail says whether this phase inserted them or found them.
-- The row queries run through query_to_xml() only once their tables exist, so on a
-- database without phases 01/02 this reports not ok instead of failing to parse.
SELECT e."check",
       coalesce((xpath('/table/row/ok/text()', r.x))[1]::text = 'true', false) AS ok,
       CASE WHEN r.x IS NULL THEN 'missing table(s): ' || array_to_string(e.needs, ', ')
            ELSE coalesce((xpath('/table/row/detail/text()', r.x))[1]::text, 'no row') END AS detail
  FROM (VALUES
    (1, 'organization test-org exists', ARRAY['public.organization'], $q$
        SELECT o.id IS NOT NULL AS ok,
               CASE WHEN o.id IS NULL THEN 'organization with slug test-org is missing'
                    WHEN o.id = '00000000-0000-4000-a000-000000000401'
                     AND o.description = 'smoke-test data of migrate phase 04-smoke-test-data'
                    THEN 'id ' || o.id || ', inserted by this phase'
                    ELSE 'id ' || o.id || ', pre-existing, kept by rollback' END AS detail
          FROM (SELECT 1) AS one
          LEFT JOIN public.organization o ON o.slug = 'test-org'
    $q$),
    (2, 'user test@example.com exists in test-org', ARRAY['public.organization', 'auth.users_extended'], $q$
        SELECT u.id IS NOT NULL AND o.slug IS NOT DISTINCT FROM 'test-org' AS ok,
               CASE WHEN u.id IS NULL THEN 'auth.users_extended has no test@example.com'
                    WHEN o.slug IS DISTINCT FROM 'test-org'
                    THEN 'test@example.com belongs to organization ' || coalesce(o.slug, u.org_id::text) || ', not test-org'
                    WHEN u.id = '00000000-0000-4000-a000-000000000402'
                     AND u.full_name = 'Smoke Test User (migrate phase 04-smoke-test-data)'
                    THEN 'id ' || u.id || ', inserted by this phase'
                    ELSE 'id ' || u.id || ', pre-existing, kept by rollback' END AS detail
          FROM (SELECT 1) AS one
          LEFT JOIN auth.users_extended u ON u.email = 'test@example.com'
          LEFT JOIN public.organization o ON o.id = u.org_id
    $q$)) AS e(ord, "check", needs, q)
 CROSS JOIN LATERAL (
       SELECT CASE WHEN (SELECT bool_and(to_regclass(t) IS NOT NULL) FROM unnest(e.needs) AS t)
                   THEN query_to_xml(e.q, false, false, '') END AS x) AS r
 ORDER BY e.ord;
