-- Phase 02-auth, verify: rows (check, ok, detail) for schema auth, auth.users_extended
-- (columns, keys, foreign key, indexes), the grants to authenticated, and auth.uid().
-- Catalog reads only: it runs (and reports not ok) where nothing exists yet.
SELECT v."check", v.ok, v.detail
  FROM (
    SELECT 1 AS ord, 'schema auth exists'::text AS "check",
           EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth') AS ok,
           CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth')
                THEN 'exists' ELSE 'schema auth is missing' END AS detail
    UNION ALL
    SELECT 2, 'table auth.users_extended exists',
           to_regclass('auth.users_extended') IS NOT NULL,
           CASE WHEN to_regclass('auth.users_extended') IS NULL THEN 'table auth.users_extended is missing' ELSE 'exists' END
    UNION ALL
    SELECT 10 + e.n, 'column users_extended.' || e.col,
           a.attnum IS NOT NULL AND format_type(a.atttypid, a.atttypmod) = e.typ
             AND a.attnotnull = e.nn AND pg_get_expr(d.adbin, d.adrelid) IS NOT DISTINCT FROM e.def,
           CASE WHEN a.attnum IS NULL THEN 'missing'
                ELSE concat(format_type(a.atttypid, a.atttypmod),
                            CASE WHEN a.attnotnull THEN ' not null' END,
                            ' default ' || pg_get_expr(d.adbin, d.adrelid),
                            '; expected ', e.typ, CASE WHEN e.nn THEN ' not null' END,
                            ' default ' || e.def) END
      FROM (VALUES (1, 'id',         'uuid',                     true,  NULL),
                   (2, 'org_id',     'uuid',                     true,  NULL),
                   (3, 'email',      'character varying(255)',   true,  NULL),
                   (4, 'full_name',  'character varying(255)',   false, NULL),
                   (5, 'avatar_url', 'text',                     false, NULL),
                   (6, 'is_active',  'boolean',                  false, 'true'),
                   (7, 'created_at', 'timestamp with time zone', true,  'now()'),
                   (8, 'updated_at', 'timestamp with time zone', true,  'now()'))
           AS e(n, col, typ, nn, def)
      LEFT JOIN pg_catalog.pg_attribute a
             ON a.attrelid = to_regclass('auth.users_extended') AND a.attname = e.col AND NOT a.attisdropped
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    UNION ALL
    SELECT 20 + e.n, e.label,
           k.conname IS NOT NULL,
           CASE WHEN k.conname IS NULL THEN 'missing' ELSE k.conname || ': ' || pg_get_constraintdef(k.oid) END
      FROM (VALUES (1, 'primary key (id)', 'p', 'PRIMARY KEY (id)'),
                   (2, 'unique (email)',   'u', 'UNIQUE (email)'),
                   (3, 'foreign key auth.users_extended(org_id) -> public.organization on delete cascade', 'f',
                       'FOREIGN KEY (org_id) REFERENCES organization(id) ON DELETE CASCADE'))
           AS e(n, label, contype, def)
      LEFT JOIN pg_catalog.pg_constraint k
             ON k.conrelid = to_regclass('auth.users_extended') AND k.contype = e.contype::"char"
            AND (pg_get_constraintdef(k.oid) = e.def
                 OR (e.contype = 'f' AND k.confrelid = to_regclass('public.organization')
                     AND k.confdeltype = 'c'
                     AND k.conkey = ARRAY[(SELECT attnum FROM pg_catalog.pg_attribute
                                            WHERE attrelid = k.conrelid AND attname = 'org_id')]))
    UNION ALL
    SELECT 30 + e.n, 'index ' || e.idx,
           i.indexrelid IS NOT NULL AND i.indisvalid AND i.indrelid = to_regclass('auth.users_extended')
             AND substring(pg_get_indexdef(i.indexrelid) FROM ' USING .*$') = e.def,
           CASE WHEN i.indexrelid IS NULL THEN 'missing'
                WHEN NOT i.indisvalid THEN 'INVALID'
                ELSE pg_get_indexdef(i.indexrelid) END
      FROM (VALUES (1, 'idx_auth_users_org',        ' USING btree (org_id)'),
                   (2, 'idx_auth_users_email',      ' USING btree (email)'),
                   (3, 'idx_auth_users_active',     ' USING btree (is_active)'),
                   (4, 'idx_auth_users_org_active', ' USING btree (org_id, is_active)')) AS e(n, idx, def)
      LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = to_regclass('auth.' || e.idx)
    UNION ALL
    SELECT 40, 'USAGE on schema auth to authenticated',
           coalesce(g.privs @> ARRAY['USAGE'], false),
           coalesce(array_to_string(g.privs, ', '), 'authenticated has no privileges on schema auth')
      FROM (SELECT array_agg(a.privilege_type::text ORDER BY a.privilege_type) AS privs
              FROM pg_catalog.pg_namespace s
             CROSS JOIN LATERAL aclexplode(s.nspacl) AS a
              JOIN pg_catalog.pg_roles r ON r.oid = a.grantee AND r.rolname = 'authenticated'
             WHERE s.nspname = 'auth') AS g
    UNION ALL
    SELECT 41, 'grants on auth.users_extended to authenticated',
           coalesce(g.privs @> ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'], false),
           CASE WHEN to_regclass('auth.users_extended') IS NULL THEN 'table is missing'
                WHEN g.privs IS NULL THEN 'authenticated has no privileges on auth.users_extended'
                ELSE array_to_string(g.privs, ', ') END
      FROM (SELECT array_agg(a.privilege_type::text ORDER BY a.privilege_type) AS privs
              FROM pg_catalog.pg_class c
             CROSS JOIN LATERAL aclexplode(c.relacl) AS a
              JOIN pg_catalog.pg_roles r ON r.oid = a.grantee AND r.rolname = 'authenticated'
             WHERE c.oid = to_regclass('auth.users_extended')) AS g
    UNION ALL
    SELECT 50, 'function auth.uid() returns uuid',
           f.oid IS NOT NULL AND f.prorettype = 'pg_catalog.uuid'::regtype,
           CASE WHEN f.oid IS NULL THEN 'auth.uid() is missing'
                ELSE concat('returns ', f.prorettype::regtype::text, ', ',
                            CASE f.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END, ', ',
                            CASE WHEN obj_description(f.oid, 'pg_proc') = 'created by migrate phase 02-auth'
                                 THEN 'created by this phase (reads app.current_user_id)' ELSE 'pre-existing, kept as it is' END) END
      FROM (SELECT NULL::oid) AS dummy(x)
      LEFT JOIN (SELECT p.oid, p.prorettype, p.provolatile
                   FROM pg_catalog.pg_proc p
                   JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname = 'auth' AND p.proname = 'uid' AND p.pronargs = 0) AS f ON true
  ) AS v
 ORDER BY v.ord;
