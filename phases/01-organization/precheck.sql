-- Phase 01-organization, precheck: can this environment take the phase?
-- One query, rows (check, ok, detail); any ok = false blocks the run before a change.
SELECT c."check", c.ok, c.detail
  FROM (
    SELECT 1 AS ord,
           'role authenticated exists or can be created'::text AS "check",
           r.exists_ OR u.can_create AS ok,
           CASE WHEN r.exists_ THEN 'role authenticated already exists; it will be used as it is'
                WHEN u.can_create THEN format('role authenticated is absent; %s may create it', current_user)
                ELSE format('role authenticated is absent and %s lacks CREATEROLE', current_user) END AS detail
      FROM (SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') AS exists_) AS r,
           (SELECT coalesce(bool_or(rolsuper OR rolcreaterole), false) AS can_create
              FROM pg_catalog.pg_roles WHERE rolname = current_user) AS u
    UNION ALL
    SELECT 2, 'gen_random_uuid() is available',
           EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE proname = 'gen_random_uuid' AND pronargs = 0),
           CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE proname = 'gen_random_uuid' AND pronargs = 0)
                THEN 'found' ELSE 'gen_random_uuid() is missing (PostgreSQL 13+ or pgcrypto needed)' END
    UNION ALL
    SELECT 3, 'public.organization is absent or has a uuid id',
           t.rel IS NULL OR t.id_type = 'uuid',
           CASE WHEN t.rel IS NULL THEN 'absent; it will be created'
                WHEN t.id_type = 'uuid' THEN 'exists with id uuid; it will be kept'
                ELSE format('exists with id %s: foreign keys to it would not be uuid',
                            coalesce(t.id_type, 'missing')) END
      FROM (SELECT to_regclass('public.organization') AS rel,
                   (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = to_regclass('public.organization') AND a.attname = 'id'
                       AND NOT a.attisdropped) AS id_type) AS t
    UNION ALL
    SELECT 4, 'current user may create tables in schema public',
           to_regclass('public.organization') IS NOT NULL OR has_schema_privilege('public', 'CREATE'),
           CASE WHEN to_regclass('public.organization') IS NOT NULL THEN 'not needed: table exists'
                WHEN has_schema_privilege('public', 'CREATE') THEN format('%s has CREATE on public', current_user)
                ELSE format('%s lacks CREATE on schema public', current_user) END
  ) AS c
 ORDER BY c.ord;
