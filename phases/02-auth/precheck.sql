-- Phase 02-auth, precheck: can this environment take the phase? (It runs before phase
-- 01 changes anything, so it does not look for public.organization.)
SELECT c."check", c.ok, c.detail
  FROM (
    SELECT 1 AS ord, 'schema auth exists or can be created'::text AS "check",
           s.oid IS NOT NULL OR has_database_privilege(current_database(), 'CREATE') AS ok,
           CASE WHEN s.oid IS NOT NULL THEN 'schema auth exists; it will be used as it is'
                WHEN has_database_privilege(current_database(), 'CREATE') THEN format('%s may create schema auth', current_user)
                ELSE format('%s lacks CREATE on database %s', current_user, current_database()) END AS detail
      FROM (SELECT NULL::oid) AS dummy(x)
      LEFT JOIN pg_catalog.pg_namespace s ON s.nspname = 'auth'
    UNION ALL
    SELECT 2, 'auth.users_extended is absent or has a uuid id and org_id',
           t.rel IS NULL OR (t.id_type = 'uuid' AND t.org_type = 'uuid'),
           CASE WHEN t.rel IS NULL THEN 'absent; it will be created'
                WHEN t.id_type = 'uuid' AND t.org_type = 'uuid' THEN 'exists with uuid id and org_id; it will be kept'
                ELSE format('exists with id %s, org_id %s', coalesce(t.id_type, 'missing'), coalesce(t.org_type, 'missing')) END
      FROM (SELECT to_regclass('auth.users_extended') AS rel,
                   (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = to_regclass('auth.users_extended') AND a.attname = 'id' AND NOT a.attisdropped) AS id_type,
                   (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = to_regclass('auth.users_extended') AND a.attname = 'org_id' AND NOT a.attisdropped) AS org_type) AS t
    UNION ALL
    SELECT 3, 'auth.uid() is absent or returns uuid',
           f.oid IS NULL OR f.prorettype = 'pg_catalog.uuid'::regtype,
           CASE WHEN f.oid IS NULL THEN 'absent; it will be created'
                WHEN f.prorettype = 'pg_catalog.uuid'::regtype THEN 'exists and returns uuid; it will be kept'
                ELSE format('exists and returns %s: policies comparing it with uuid ids would fail', f.prorettype::regtype) END
      FROM (SELECT NULL::oid) AS dummy(x)
      LEFT JOIN (SELECT p.oid, p.prorettype
                   FROM pg_catalog.pg_proc p
                   JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname = 'auth' AND p.proname = 'uid' AND p.pronargs = 0) AS f ON true
  ) AS c
 ORDER BY c.ord;
