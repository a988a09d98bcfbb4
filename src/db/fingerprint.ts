import type { Session } from './session';

/** Object key → md5 of its definition, over every non-system schema except the runner's own. */
export type Fingerprint = Record<string, string>;

/**
 * One set-based query: tables, columns, constraints, indexes, policies, triggers,
 * functions, types and grants. Roles are cluster objects and are left out on purpose.
 */
export async function fingerprint(s: Session): Promise<Fingerprint> {
  const [row] = await s.query<{ fp: Fingerprint | null }>(FINGERPRINT_SQL);
  return row.fp ?? {};
}

export interface FingerprintDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export function diffFingerprints(before: Fingerprint, after: Fingerprint): FingerprintDiff {
  const added = Object.keys(after).filter((k) => !(k in before)).sort();
  const removed = Object.keys(before).filter((k) => !(k in after)).sort();
  const changed = Object.keys(after).filter((k) => k in before && before[k] !== after[k]).sort();
  return { added, removed, changed };
}

export function isEmptyDiff(d: FingerprintDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length === 0;
}

/** Restricts a fingerprint to the keys a unit touched (its footprint). */
export function pick(fp: Fingerprint, keys: Iterable<string>): Fingerprint {
  const out: Fingerprint = {};
  for (const k of keys) if (k in fp) out[k] = fp[k];
  return out;
}

export function describeDiff(d: FingerprintDiff, limit = 8): string {
  const parts = [
    ...d.added.map((k) => `+ ${k}`),
    ...d.removed.map((k) => `- ${k}`),
    ...d.changed.map((k) => `~ ${k}`),
  ];
  return parts.length <= limit ? parts.join(', ') : `${parts.slice(0, limit).join(', ')} and ${parts.length - limit} more`;
}

const FINGERPRINT_SQL = `
with ns as (
  select oid, nspname from pg_namespace
   where nspname not in ('pg_catalog', 'information_schema', 'migrate') and nspname not like 'pg\\_toast%' and nspname not like 'pg\\_temp%'
), rel as (
  select c.oid, ns.nspname || '.' || c.relname as name, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl, c.relispartition,
         pg_get_expr(c.relpartbound, c.oid) as bound
    from pg_class c join ns on ns.oid = c.relnamespace
   where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
), entries as (
  select 'schema ' || nspname as k, coalesce((select nspacl::text from pg_namespace x where x.oid = ns.oid), '') as v from ns
  union all
  select 'table ' || name, concat_ws('|', relkind, relrowsecurity, relforcerowsecurity, relacl::text, bound) from rel
  union all
  select 'column ' || rel.name || '.' || a.attname,
         concat_ws('|', format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attacl::text)
    from rel join pg_attribute a on a.attrelid = rel.oid and a.attnum > 0 and not a.attisdropped
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  union all
  select 'constraint ' || rel.name || '.' || co.conname, pg_get_constraintdef(co.oid)
    from rel join pg_constraint co on co.conrelid = rel.oid
  union all
  select 'index ' || ns.nspname || '.' || ic.relname, pg_get_indexdef(i.indexrelid) || case when i.indisvalid then '' else ' INVALID' end
    from pg_index i join pg_class ic on ic.oid = i.indexrelid join ns on ns.oid = ic.relnamespace
  union all
  select 'policy ' || rel.name || '.' || p.polname,
         concat_ws('|', p.polcmd, p.polpermissive, p.polroles::text, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
    from rel join pg_policy p on p.polrelid = rel.oid
  union all
  select 'trigger ' || rel.name || '.' || g.tgname, pg_get_triggerdef(g.oid) || g.tgenabled::text
    from rel join pg_trigger g on g.tgrelid = rel.oid and not g.tgisinternal
  union all
  select 'function ' || ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
         concat_ws('|', md5(p.prosrc), p.provolatile, p.prosecdef, p.proacl::text, pg_get_function_result(p.oid), p.proconfig::text)
    from pg_proc p join ns on ns.oid = p.pronamespace
   where not exists (select 1 from pg_depend dep where dep.objid = p.oid and dep.deptype = 'e')
  union all
  select 'type ' || ns.nspname || '.' || t.typname,
         concat_ws('|', t.typtype, t.typacl::text, (select string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid))
    from pg_type t join ns on ns.oid = t.typnamespace
   where t.typtype in ('e', 'd', 'c', 'r', 'm') and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
     and not exists (select 1 from pg_depend dep where dep.objid = t.oid and dep.deptype = 'e')
)
select json_object_agg(k, md5(coalesce(v, ''))) as fp from entries`;
