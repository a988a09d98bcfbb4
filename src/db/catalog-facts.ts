import type { CatalogFacts } from '../analysis/unit-analysis';
import type { ObjectRef } from '../analysis/types';
import { namesIn } from './name-index';
import type { Session } from './session';

/** Existence of every referenced object and size of every referenced table, in one query. */
export async function catalogFacts(s: Session, refs: readonly ObjectRef[]): Promise<CatalogFacts> {
  const [row] = await s.query<{ facts: { present: string[] | null; tables: Array<{ name: string; rows: number; bytes: number; partitioned: boolean }> | null } }>(
    `with r as (select x.*, case when strpos(x.name, '.') > 0
                                  then quote_ident(split_part(x.name, '.', 1)) || '.' || quote_ident(substr(x.name, strpos(x.name, '.') + 1))
                                  else quote_ident(x.name) end as ident,
                              case when x.kind = 'function' then ${namesIn('select x.name')} end as fn_names
                   from json_to_recordset($1::text::json) as x(kind text, name text))
     select json_build_object(
       'present', (select json_agg(r.kind || ':' || r.name) from r where case r.kind
           when 'relation' then to_regclass(r.ident) is not null
           when 'type' then to_regtype(r.ident) is not null
           when 'schema' then exists (select 1 from pg_namespace where nspname = r.name)
           when 'role' then exists (select 1 from pg_roles where rolname = r.name)
           when 'language' then exists (select 1 from pg_language where lanname = r.name)
           when 'function' then exists (select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                                         where p.proname = any(r.fn_names)
                                           and (n.nspname || '.' || p.proname = r.name
                                            or (strpos(r.name, '.') = 0 and p.proname = r.name and n.nspname = any(current_schemas(true)))))
           else false end),
       'tables', (select json_agg(json_build_object('name', r.name, 'rows', coalesce(nullif(c.reltuples, -1), (select n_live_tup from pg_stat_all_tables s where s.relid = c.oid), 0)::bigint, 'bytes', pg_total_relation_size(c.oid), 'partitioned', c.relkind = 'p'))
                    from r join pg_class c on c.oid = to_regclass(r.ident) where r.kind = 'relation' and c.relkind in ('r', 'p', 'm'))
     ) as facts`,
    [JSON.stringify(refs.map((r) => ({ kind: r.kind, name: r.name })))],
  );
  const present = new Set(row.facts.present ?? []);
  const tables = new Map((row.facts.tables ?? []).map((t) => [t.name, { rows: Number(t.rows), bytes: Number(t.bytes), partitioned: t.partitioned }]));
  return {
    exists: (ref) => present.has(`${ref.kind}:${ref.name}`),
    table: (name) => tables.get(name),
  };
}
