import type { Node } from '../../analysis/ast';
import { namesIn } from '../../db/name-index';
import { parseSql } from '../../analysis/parse';
import type { Session } from '../../db/session';

/** What the server holds for the objects the units declare, each definition as the server prints it. */
export interface ServerDefs {
  tables: Map<string, { rls: boolean; columns: string[] }>;
  columns: Map<string, { type: string; notNull: boolean; default: string | null }>;
  constraints: Array<{ table: string; name: string; contype: string; def: string }>;
  indexes: Map<string, { table: string; def: string; valid: boolean }>;
  policies: Map<string, { permissive: string; cmd: string; roles: string[]; qual: string | null; withCheck: string | null }>;
  triggers: Map<string, { def: string; enabled: string }>;
  functions: Array<{ name: string; def: string }>;
  enums: Map<string, string[]>;
  grants: Map<string, string[]>;
}

/** The catalog query of each kind, as the report shows it (a reviewer can rerun it with the name filled in). */
export const SERVER_READS: Record<string, string> = {
  table: "select relrowsecurity, attname from pg_class join pg_attribute on attrelid = pg_class.oid where oid = 'T'::regclass and attnum > 0 and not attisdropped",
  column: "select format_type(atttypid, atttypmod), attnotnull, pg_get_expr(adbin, adrelid) from pg_attribute left join pg_attrdef on (adrelid, adnum) = (attrelid, attnum) where attrelid = 'T'::regclass and attname = 'C'",
  constraint: "select conname, pg_get_constraintdef(oid) from pg_constraint where conrelid = 'T'::regclass",
  index: "select pg_get_indexdef(indexrelid), indisvalid and indisready from pg_index where indexrelid = 'I'::regclass",
  policy: "select permissive, cmd, roles, qual, with_check from pg_policies where schemaname || '.' || tablename = 'T' and policyname = 'P'",
  rls: "select relrowsecurity from pg_class where oid = 'T'::regclass",
  trigger: "select pg_get_triggerdef(oid), tgenabled from pg_trigger where tgrelid = 'T'::regclass and tgname = 'G'",
  function: "select pg_get_functiondef(oid) from pg_proc where oid = 'F'::regprocedure",
  enum: "select enumlabel from pg_enum where enumtypid = 'E'::regtype order by enumsortorder",
  grant: "select privilege_type from pg_class, aclexplode(relacl) where oid = 'T'::regclass and grantee = 'R'::regrole",
};

/** One round trip: every definition of the named tables, functions and enums. */
export async function serverDefs(s: Session, tables: string[], functions: string[], enums: string[]): Promise<ServerDefs> {
  const [row] = await s.query<{ defs: Raw }>(DEFS_SQL, [JSON.stringify(tables), JSON.stringify(functions), JSON.stringify(enums)]);
  const r = row.defs;
  const tablesMap = new Map<string, { rls: boolean; columns: string[] }>();
  for (const t of r.tables ?? []) tablesMap.set(t.name, { rls: t.rls, columns: [] });
  const columns = new Map<string, { type: string; notNull: boolean; default: string | null }>();
  for (const c of r.columns ?? []) {
    tablesMap.get(c.tbl)?.columns.push(c.name);
    columns.set(`${c.tbl}.${c.name}`, { type: c.type, notNull: c.notnull, default: c.def });
  }
  return {
    tables: tablesMap,
    columns,
    constraints: (r.constraints ?? []).map((c) => ({ table: c.tbl, name: c.name, contype: c.contype, def: c.def })),
    indexes: new Map((r.indexes ?? []).map((i) => [i.name, { table: i.tbl, def: i.def, valid: i.valid }])),
    policies: new Map((r.policies ?? []).map((p) => [`${p.tbl}.${p.name}`, { permissive: p.permissive, cmd: p.cmd, roles: p.roles, qual: p.qual, withCheck: p.with_check }])),
    triggers: new Map((r.triggers ?? []).map((t) => [`${t.tbl}.${t.name}`, { def: t.def, enabled: t.enabled }])),
    functions: r.functions ?? [],
    enums: new Map((r.enums ?? []).map((e) => [e.name, e.labels])),
    grants: new Map((r.grants ?? []).map((g) => [`${g.tbl}|${g.role}`, g.privs])),
  };
}

/** Definitions read in several round trips, as one. */
export function mergeDefs(parts: ServerDefs[]): ServerDefs {
  const maps = <K, V>(pick: (d: ServerDefs) => Map<K, V>) => new Map(parts.flatMap((d) => [...pick(d)]));
  return {
    tables: maps((d) => d.tables), columns: maps((d) => d.columns), indexes: maps((d) => d.indexes), policies: maps((d) => d.policies),
    triggers: maps((d) => d.triggers), enums: maps((d) => d.enums), grants: maps((d) => d.grants),
    constraints: parts.flatMap((d) => d.constraints), functions: parts.flatMap((d) => d.functions),
  };
}

/** The first statement of a definition the server printed, parsed as the units are. */
export async function parseDefinition(sql: string): Promise<Node | undefined> {
  const parsed = await parseSql('(server definition)', sql);
  if (!parsed.ok || parsed.statements.length === 0) return undefined;
  const st = parsed.statements[0];
  return st.node[st.kind];
}

/** An expression the server printed (a default, a policy's USING), parsed. */
export async function parseExpression(sql: string | null): Promise<Node | null | undefined> {
  if (sql == null) return null;
  const select = await parseDefinition(`select ${sql}`);
  return select?.targetList?.[0]?.ResTarget?.val;
}

/** A type the server printed (format_type), parsed to a TypeName. */
export async function parseType(sql: string): Promise<Node | undefined> {
  const cast = await parseExpression(`null::${sql}`);
  return cast?.TypeCast?.typeName;
}

interface Raw {
  tables: Array<{ name: string; rls: boolean }> | null;
  columns: Array<{ tbl: string; name: string; type: string; notnull: boolean; def: string | null }> | null;
  constraints: Array<{ tbl: string; name: string; contype: string; def: string }> | null;
  indexes: Array<{ name: string; tbl: string; def: string; valid: boolean }> | null;
  policies: Array<{ tbl: string; name: string; permissive: string; cmd: string; roles: string[]; qual: string | null; with_check: string | null }> | null;
  triggers: Array<{ tbl: string; name: string; def: string; enabled: string }> | null;
  functions: Array<{ name: string; def: string }> | null;
  enums: Array<{ name: string; labels: string[] }> | null;
  grants: Array<{ tbl: string; role: string; privs: string[] }> | null;
}

// $1 tables, $2 function names (schema.name), $3 enum types; JSON arrays of "schema.name".
const DEFS_SQL = `
with t as (
  select c.oid, n.nspname || '.' || c.relname as name, c.relrowsecurity as rls, c.relacl
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where c.relkind in ('r', 'p', 'f') and c.relname = any(${namesIn('select json_array_elements_text($1::text::json)')})
     and n.nspname || '.' || c.relname = any(array(select json_array_elements_text($1::text::json)))
)
select json_build_object(
  'tables', (select json_agg(json_build_object('name', t.name, 'rls', t.rls)) from t),
  'columns', (select json_agg(json_build_object('tbl', t.name, 'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                 'notnull', a.attnotnull, 'def', pg_get_expr(d.adbin, d.adrelid)) order by t.name, a.attnum)
                from t join pg_attribute a on a.attrelid = t.oid and a.attnum > 0 and not a.attisdropped
                left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum),
  'constraints', (select json_agg(json_build_object('tbl', t.name, 'name', co.conname, 'contype', co.contype, 'def', pg_get_constraintdef(co.oid)))
                    from t join pg_constraint co on co.conrelid = t.oid and co.contype in ('p', 'u', 'c', 'f', 'x') and co.conparentid = 0),
  'indexes', (select json_agg(json_build_object('name', n.nspname || '.' || ic.relname, 'tbl', t.name, 'def', pg_get_indexdef(i.indexrelid), 'valid', i.indisvalid and i.indisready))
                from t join pg_index i on i.indrelid = t.oid join pg_class ic on ic.oid = i.indexrelid join pg_namespace n on n.oid = ic.relnamespace),
  'policies', (select json_agg(json_build_object('tbl', t.name, 'name', p.policyname, 'permissive', p.permissive, 'cmd', p.cmd, 'roles', p.roles, 'qual', p.qual, 'with_check', p.with_check))
                 from t join pg_policies p on p.schemaname || '.' || p.tablename = t.name),
  'triggers', (select json_agg(json_build_object('tbl', t.name, 'name', g.tgname, 'def', pg_get_triggerdef(g.oid), 'enabled', g.tgenabled))
                 from t join pg_trigger g on g.tgrelid = t.oid and not g.tgisinternal),
  'functions', (select json_agg(json_build_object('name', n.nspname || '.' || p.proname, 'def', pg_get_functiondef(p.oid)))
                  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where p.prokind in ('f', 'p') and p.proname = any(${namesIn('select json_array_elements_text($2::text::json)')})
                   and n.nspname || '.' || p.proname = any(array(select json_array_elements_text($2::text::json)))),
  'enums', (select json_agg(json_build_object('name', x.name, 'labels', x.labels)) from (
              select n.nspname || '.' || ty.typname as name, json_agg(e.enumlabel order by e.enumsortorder) as labels
                from pg_type ty join pg_namespace n on n.oid = ty.typnamespace join pg_enum e on e.enumtypid = ty.oid
               where ty.typname = any(${namesIn('select json_array_elements_text($3::text::json)')}) and n.nspname || '.' || ty.typname = any(array(select json_array_elements_text($3::text::json))) group by 1) x),
  'grants', (select json_agg(json_build_object('tbl', x.tbl, 'role', x.role, 'privs', x.privs)) from (
               select t.name as tbl, case when acl.grantee = 0 then 'public' else r.rolname end as role, json_agg(acl.privilege_type) as privs
                 from t cross join lateral aclexplode(t.relacl) acl left join pg_roles r on r.oid = acl.grantee group by 1, 2) x)
) as defs`;
