-- Phase 01-organization, verify: rows (check, ok, detail) for the role, the table, its
-- columns, keys, indexes and grants. Uses only catalog reads, so it also runs (and
-- reports not ok) where nothing exists yet.
SELECT v."check", v.ok, v.detail
  FROM (
    SELECT 1 AS ord, 'role authenticated exists'::text AS "check",
           r.oid IS NOT NULL AS ok,
           CASE WHEN r.oid IS NULL THEN 'role authenticated is missing'
                ELSE concat_ws('; ',
                       CASE WHEN r.rolcanlogin THEN 'LOGIN' ELSE 'NOLOGIN' END,
                       CASE WHEN shobj_description(r.oid, 'pg_authid') = 'created by migrate phase 01-organization'
                            THEN 'created by this phase' ELSE 'pre-existing' END) END AS detail
      FROM (SELECT NULL::oid) AS dummy(x)
      LEFT JOIN pg_catalog.pg_roles r ON r.rolname = 'authenticated'
    UNION ALL
    SELECT 2, 'table public.organization exists',
           to_regclass('public.organization') IS NOT NULL,
           CASE WHEN to_regclass('public.organization') IS NULL THEN 'table public.organization is missing' ELSE 'exists' END
    UNION ALL
    SELECT 10 + e.n, 'column organization.' || e.col,
           a.attnum IS NOT NULL AND format_type(a.atttypid, a.atttypmod) = e.typ
             AND a.attnotnull = e.nn AND pg_get_expr(d.adbin, d.adrelid) IS NOT DISTINCT FROM e.def,
           CASE WHEN a.attnum IS NULL THEN 'missing'
                ELSE concat(format_type(a.atttypid, a.atttypmod),
                            CASE WHEN a.attnotnull THEN ' not null' END,
                            ' default ' || pg_get_expr(d.adbin, d.adrelid),
                            '; expected ', e.typ, CASE WHEN e.nn THEN ' not null' END,
                            ' default ' || e.def) END
      FROM (VALUES (1, 'id',          'uuid',                   true,  'gen_random_uuid()'),
                   (2, 'name',        'character varying(255)', true,  NULL),
                   (3, 'slug',        'character varying(255)', true,  NULL),
                   (4, 'description', 'text',                   false, NULL),
                   (5, 'is_active',   'boolean',                false, 'true'),
                   (6, 'created_at',  'timestamp with time zone', true, 'now()'),
                   (7, 'updated_at',  'timestamp with time zone', true, 'now()'))
           AS e(n, col, typ, nn, def)
      LEFT JOIN pg_catalog.pg_attribute a
             ON a.attrelid = to_regclass('public.organization') AND a.attname = e.col AND NOT a.attisdropped
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    UNION ALL
    SELECT 20 + e.n, e.label,
           k.conname IS NOT NULL,
           CASE WHEN k.conname IS NULL THEN 'missing' ELSE k.conname || ': ' || pg_get_constraintdef(k.oid) END
      FROM (VALUES (1, 'primary key (id)', 'p', 'PRIMARY KEY (id)'),
                   (2, 'unique (slug)',    'u', 'UNIQUE (slug)')) AS e(n, label, contype, def)
      LEFT JOIN pg_catalog.pg_constraint k
             ON k.conrelid = to_regclass('public.organization') AND k.contype = e.contype::"char"
            AND pg_get_constraintdef(k.oid) = e.def
    UNION ALL
    SELECT 30 + e.n, 'index ' || e.idx,
           i.indexrelid IS NOT NULL AND i.indisvalid AND i.indrelid = to_regclass('public.organization')
             AND substring(pg_get_indexdef(i.indexrelid) FROM ' USING .*$') = e.def,
           CASE WHEN i.indexrelid IS NULL THEN 'missing'
                WHEN NOT i.indisvalid THEN 'INVALID'
                ELSE pg_get_indexdef(i.indexrelid) END
      FROM (VALUES (1, 'idx_organization_slug',    ' USING btree (slug)'),
                   (2, 'idx_organization_active',  ' USING btree (is_active)'),
                   (3, 'idx_organization_created', ' USING btree (created_at DESC)')) AS e(n, idx, def)
      LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = to_regclass('public.' || e.idx)
    UNION ALL
    SELECT 40, 'grants on public.organization to authenticated',
           coalesce(g.privs @> ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'], false),
           CASE WHEN to_regclass('public.organization') IS NULL THEN 'table is missing'
                WHEN g.privs IS NULL THEN 'authenticated has no privileges on public.organization'
                ELSE array_to_string(g.privs, ', ') END
      FROM (SELECT array_agg(a.privilege_type::text ORDER BY a.privilege_type) AS privs
              FROM pg_catalog.pg_class c
             CROSS JOIN LATERAL aclexplode(c.relacl) AS a
              JOIN pg_catalog.pg_roles r ON r.oid = a.grantee AND r.rolname = 'authenticated'
             WHERE c.oid = to_regclass('public.organization')) AS g
  ) AS v
 ORDER BY v.ord;
