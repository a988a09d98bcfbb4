-- The rollback proof (src/engine/unit-state.ts). Before a unit with a down step runs, its
-- pipelined transaction calls migrate.capture_before with the unit's footprint (the objects
-- its statements name, from the parser); the state of those objects is kept here, beside the
-- history, where only `rollback` reads it. A rollback hashes the same footprint again and
-- must find it as it was.
CREATE TABLE IF NOT EXISTS migrate.unit_state (
  run_id  uuid  NOT NULL,
  unit    text  NOT NULL,
  -- [{"k": "relation", "s": "public", "n": "users"}, …]: what migrate.footprint hashes
  objects jsonb NOT NULL,
  -- Whole schemas, for a unit that runs SQL the parser cannot see (dynamic SQL in a DO block).
  schemas text[] NOT NULL DEFAULT '{}',
  -- Object key → md5 of its definition, before the unit ran
  before  jsonb NOT NULL,
  PRIMARY KEY (run_id, unit)
);

-- One entry per object and per part of it (column, constraint, index, trigger, policy, rule,
-- statistics object, function overload), each the md5 of everything a down step could get
-- wrong about it. The named objects are resolved to oids first, through the catalog's name
-- indexes, and every part is then read by oid: the cost follows the footprint, not the size
-- of the catalog, and the plans are cached for the session (plpgsql). search_path is pinned,
-- so that names, deparsed expressions and view bodies always read the same (schema-qualified).
CREATE OR REPLACE FUNCTION migrate.footprint(p_objects jsonb, p_schemas text[] DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  v_ns oid[];
  v_rel oid[];
  v_proc oid[];
  v_typ oid[];
  v_all oid[];
  v_out jsonb;
BEGIN
  SELECT coalesce(array_agg(n.oid) FILTER (WHERE w.k = 'schema'), '{}'),
         coalesce(array_agg(c.oid) FILTER (WHERE w.k = 'relation' AND c.oid IS NOT NULL), '{}'),
         coalesce(array_agg(t.oid) FILTER (WHERE w.k = 'type' AND t.oid IS NOT NULL), '{}')
    INTO v_ns, v_rel, v_typ
    FROM jsonb_to_recordset(p_objects) AS w(k text, s text, n text)
    JOIN pg_namespace n ON n.nspname = CASE WHEN w.k = 'schema' THEN w.n ELSE w.s END
    LEFT JOIN pg_class c ON w.k = 'relation' AND c.relname = w.n AND c.relnamespace = n.oid
    LEFT JOIN pg_type t ON w.k = 'type' AND t.typname = w.n AND t.typnamespace = n.oid;
  SELECT coalesce(array_agg(p.oid), '{}') INTO v_proc
    FROM jsonb_to_recordset(p_objects) AS w(k text, s text, n text)
    JOIN pg_namespace n ON n.nspname = w.s
    JOIN pg_proc p ON p.proname = w.n AND p.pronamespace = n.oid
   WHERE w.k = 'function';
  -- A footprint of objects that do not exist yet (a unit that only creates): nothing to read.
  IF cardinality(p_schemas) = 0 AND cardinality(v_ns) + cardinality(v_rel) + cardinality(v_typ) + cardinality(v_proc) = 0 THEN
    RETURN '{}'::jsonb;
  END IF;
  IF cardinality(p_schemas) > 0 THEN
    -- The wider fallback: everything in these schemas (see unit-state.ts).
    SELECT array_agg(oid) INTO v_all FROM pg_namespace WHERE nspname = ANY (p_schemas);
    v_ns := v_ns || v_all;
    v_rel := v_rel || array(SELECT oid FROM pg_class WHERE relnamespace = ANY (v_all));
    v_proc := v_proc || array(SELECT oid FROM pg_proc WHERE pronamespace = ANY (v_all)
                                AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = pg_proc.oid AND d.deptype = 'e'));
    v_typ := v_typ || array(SELECT oid FROM pg_type WHERE typnamespace = ANY (v_all));
  END IF;

  SELECT coalesce(jsonb_object_agg(k, md5(coalesce(v, ''))), '{}'::jsonb) INTO v_out FROM (
    SELECT 'schema ' || x.nspname AS k, concat_ws('|', pg_get_userbyid(x.nspowner), x.nspacl::text, obj_description(x.oid, 'pg_namespace')) AS v
      FROM pg_namespace x WHERE x.oid = ANY (v_ns)
    UNION ALL
    SELECT CASE WHEN c.relkind IN ('i', 'I') THEN 'index ' ELSE 'relation ' END || c.oid::regclass::text,
           concat_ws('|', c.relkind, pg_get_userbyid(c.relowner), c.relacl::text, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
                     c.relreplident, c.reloptions::text, c.reltablespace, c.relam, c.reloftype, c.relispartition,
                     pg_get_expr(c.relpartbound, c.oid), obj_description(c.oid, 'pg_class'),
                     CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
                     CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
                     CASE WHEN c.relkind = 'm' THEN c.relispopulated::text END,
                     CASE WHEN c.relkind IN ('i', 'I') THEN pg_get_indexdef(c.oid) END,
                     (SELECT string_agg(ip.inhparent::regclass::text, ',' ORDER BY ip.inhseqno) FROM pg_inherits ip WHERE ip.inhrelid = c.oid),
                     (SELECT string_agg(ic.inhrelid::regclass::text, ',' ORDER BY ic.inhrelid::regclass::text) FROM pg_inherits ic WHERE ic.inhparent = c.oid),
                     (SELECT concat_ws('|', sq.seqtypid::regtype, sq.seqstart, sq.seqincrement, sq.seqmax, sq.seqmin, sq.seqcache, sq.seqcycle)
                        FROM pg_sequence sq WHERE sq.seqrelid = c.oid),
                     -- A sequence's owner column (OWNED BY, serial: 'a'; identity: 'i').
                     (SELECT string_agg(d.deptype::text || ':' || d.refobjid::regclass::text || '.' || a.attname, ',')
                        FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                       WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
      FROM pg_class c WHERE c.oid = ANY (v_rel) AND c.relkind <> 't'
    UNION ALL
    -- Columns: their place among the live columns (a column re-added at the end is not in its place) and every attribute.
    SELECT 'column ' || a.attrelid::regclass::text || '.' || quote_ident(a.attname),
           concat_ws('|', row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum), format_type(a.atttypid, a.atttypmod), a.attnotnull,
                     pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, (SELECT collname FROM pg_collation WHERE oid = a.attcollation),
                     a.attacl::text, a.attstattarget, a.attstorage, a.attcompression,
                     -- This server build stamps every new column with a pg_attver option: an identity, not a definition.
                     array(SELECT o FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg\_attver=%')::text, a.attfdwoptions::text, a.attislocal, a.attinhcount,
                     col_description(a.attrelid, a.attnum))
      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = ANY (v_rel) AND a.attnum > 0 AND NOT a.attisdropped
       AND (SELECT relkind FROM pg_class WHERE oid = a.attrelid) NOT IN ('S', 'i', 'I', 't')
    UNION ALL
    SELECT 'constraint ' || co.conrelid::regclass::text || '.' || quote_ident(co.conname),
           concat_ws('|', pg_get_constraintdef(co.oid), co.convalidated, co.conislocal, co.coninhcount, obj_description(co.oid, 'pg_constraint'))
      FROM pg_constraint co WHERE co.conrelid = ANY (v_rel)
    UNION ALL
    -- A table's indexes, also when only the table is named (its primary key, a unique constraint).
    SELECT 'index ' || i.indrelid::regclass::text || '.' || quote_ident(ic.relname),
           concat_ws('|', pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisclustered, i.indisreplident, ic.reltablespace, ic.reloptions::text, obj_description(ic.oid, 'pg_class'))
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = ANY (v_rel)
    UNION ALL
    SELECT 'trigger ' || g.tgrelid::regclass::text || '.' || quote_ident(g.tgname), concat_ws('|', pg_get_triggerdef(g.oid), g.tgenabled, obj_description(g.oid, 'pg_trigger'))
      FROM pg_trigger g WHERE g.tgrelid = ANY (v_rel) AND NOT g.tgisinternal
    UNION ALL
    SELECT 'policy ' || p.polrelid::regclass::text || '.' || quote_ident(p.polname),
           concat_ws('|', p.polcmd, p.polpermissive, (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END, ',' ORDER BY 1) FROM unnest(p.polroles) r),
                     pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), obj_description(p.oid, 'pg_policy'))
      FROM pg_policy p WHERE p.polrelid = ANY (v_rel)
    UNION ALL
    SELECT 'rule ' || r.ev_class::regclass::text || '.' || quote_ident(r.rulename), concat_ws('|', pg_get_ruledef(r.oid), r.ev_enabled, obj_description(r.oid, 'pg_rewrite'))
      FROM pg_rewrite r WHERE r.ev_class = ANY (v_rel) AND r.rulename <> '_RETURN'
    UNION ALL
    SELECT 'statistics ' || x.stxrelid::regclass::text || '.' || quote_ident(x.stxname),
           concat_ws('|', pg_get_statisticsobjdef(x.oid), pg_get_userbyid(x.stxowner), obj_description(x.oid, 'pg_statistic_ext'))
      FROM pg_statistic_ext x WHERE x.stxrelid = ANY (v_rel)
    UNION ALL
    -- Every overload, with its body and attributes (pg_get_functiondef), owner, grants and comment.
    SELECT 'function ' || p.oid::regprocedure::text,
           concat_ws('|', CASE WHEN p.prokind = 'a' THEN (SELECT ag::text FROM pg_aggregate ag WHERE ag.aggfnoid = p.oid) ELSE pg_get_functiondef(p.oid) END,
                     pg_get_userbyid(p.proowner), p.proacl::text, obj_description(p.oid, 'pg_proc'))
      FROM pg_proc p WHERE p.oid = ANY (v_proc)
    UNION ALL
    SELECT 'type ' || t.oid::regtype::text,
           concat_ws('|', t.typtype, pg_get_userbyid(t.typowner), t.typacl::text, obj_description(t.oid, 'pg_type'),
                     (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
                     CASE WHEN t.typtype = 'd' THEN concat_ws('|', format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault, t.typcollation,
                          (SELECT string_agg(quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid), ',' ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid)) END,
                     (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attcollation, ',' ORDER BY a.attnum)
                        FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
                     (SELECT concat_ws('|', r.rngsubtype::regtype, r.rngcollation, r.rngsubopc, r.rngcanonical, r.rngsubdiff) FROM pg_range r WHERE r.rngtypid = t.oid))
      FROM pg_type t
     WHERE t.oid = ANY (v_typ) AND t.typtype IN ('b', 'e', 'd', 'c', 'r', 'm') AND t.typcategory <> 'A'
       -- A table's row type is the table's own entry.
       AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
  ) entries;
  RETURN v_out;
END
$$;

-- The first step of a pipelined unit with a down step: keeps its footprint's state, before.
-- PL/pgSQL, not SQL: its INSERT is planned once a session, not at every unit (166 -> 80 µs a call).
CREATE OR REPLACE FUNCTION migrate.capture_before(p_run_id uuid, p_unit text, p_objects jsonb, p_schemas text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO migrate.unit_state (run_id, unit, objects, schemas, before)
  VALUES (p_run_id, p_unit, p_objects, p_schemas, migrate.footprint(p_objects, p_schemas))
  ON CONFLICT (run_id, unit) DO UPDATE SET objects = excluded.objects, schemas = excluded.schemas, before = excluded.before;
END
$$;
