import type { Session } from '../db/session';
import { namesIn } from '../db/name-index';
import type { Expectations, UnitFile } from '../engine/units';
import type { CheckResult } from './checks';
import { at, lineOfDeclaration } from './where';

/** The eight tasks' numbers, for grouping what a unit declares. */
export const TASK = { schema: 1, rls: 2, indexes: 3, triggers: 4, enums: 5, integration: 6, readiness: 7, rollback: 8 } as const;

export interface Snapshot {
  schemas: Set<string>;
  roles: Set<string>;
  tables: Map<string, { rls: boolean; columns: Map<string, string> }>;
  indexes: Map<string, { table: string; valid: boolean }>;
  fks: Array<{ table: string; name: string; columns: string[]; references: string; onDelete: string }>;
  policies: Map<string, Set<string>>;
  triggers: Map<string, Set<string>>;
  functions: Set<string>;
  enums: Map<string, string[]>;
  grants: Map<string, Set<string>>;
}

const ON_DELETE: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

/**
 * Reads, in one round trip of set-based catalog queries, exactly the objects the
 * expectations name; cost grows with what is declared, not with the database's size.
 */
export async function snapshot(s: Session, e: Expectations): Promise<Snapshot> {
  const tables = unique([
    ...Object.keys(e.tables ?? {}), ...Object.values(e.indexes ?? {}), ...(e.foreignKeys ?? []).map((f) => f.table),
    ...Object.keys(e.policies ?? {}), ...Object.keys(e.triggers ?? {}), ...(e.grants ?? []).map((g) => g.table),
    // Referenced tables too, so a foreign key whose target is missing can say so.
    ...(e.foreignKeys ?? []).map((f) => f.references),
  ]);
  const roles = unique([...(e.roles ?? []), ...(e.grants ?? []).map((g) => g.role)]);
  const schemas = unique([...(e.schemas ?? []), ...(e.functions ?? []).map((f) => normalizeSignature(f).split('.')[0])]);
  // Lists travel as JSON text: postgres.js cannot type an empty array parameter without fetch_types.
  const lists = [schemas, roles, tables, Object.keys(e.indexes ?? {}), (e.functions ?? []).map(normalizeSignature), Object.keys(e.enums ?? {})];
  const [row] = await s.query<{ snap: RawSnapshot }>(SNAPSHOT_SQL, lists.map((l) => JSON.stringify(l)));
  const raw = row.snap;
  const snap: Snapshot = {
    schemas: new Set(raw.schemas ?? []),
    roles: new Set(raw.roles ?? []),
    tables: new Map(),
    indexes: new Map((raw.indexes ?? []).map((i) => [i.name, { table: i.tbl, valid: i.valid }])),
    fks: (raw.fks ?? []).map((f) => ({ table: f.tbl, name: f.name, columns: f.cols, references: f.ref, onDelete: ON_DELETE[f.del] ?? f.del })),
    policies: groupSets(raw.policies ?? []),
    triggers: groupSets(raw.triggers ?? []),
    functions: new Set(raw.functions ?? []),
    enums: new Map((raw.enums ?? []).map((x) => [x.name, x.labels])),
    grants: groupSets((raw.grants ?? []).map((g) => ({ tbl: `${g.tbl}|${g.role}`, name: g.priv }))),
  };
  for (const t of raw.tables ?? []) snap.tables.set(t.name, { rls: t.rls, columns: new Map() });
  for (const c of raw.columns ?? []) snap.tables.get(c.tbl)?.columns.set(c.name, c.type);
  return snap;
}

/** What each kind of declared check reads from the catalog (SNAPSHOT_SQL below), for the report. */
const READS = {
  schemas: 'pg_namespace', roles: 'pg_roles', tables: 'pg_class, pg_attribute (format_type, attnotnull)', rls: 'pg_class.relrowsecurity',
  indexes: 'pg_index (indrelid, indisvalid, indisready)', foreignKeys: "pg_constraint contype 'f' (conkey, confrelid, confdeltype)",
  policies: 'pg_policy', triggers: 'pg_trigger (not tgisinternal)', functions: 'pg_proc (identity arguments)', enums: 'pg_enum (enumsortorder)',
  grants: 'aclexplode(pg_class.relacl)',
} as const;

/** Where a check was declared and what it read: "expect.json:12 · catalog: pg_index (…)". */
interface Declared {
  expected: string;
  reads: keyof typeof READS;
  /** The expect.json section and the strings on the declaring line. */
  section: string;
  needles: string[];
  blocked?: string[];
}

/**
 * Compares what the unit declares with the catalog; every mismatch names the object.
 * A check whose prerequisite (the table of a policy, index, trigger, foreign key or grant)
 * is missing carries `blocked` with the missing names. `snap` may be a snapshot already
 * taken for a superset of `e` (see mergeExpectations), to check many units in one round trip.
 * With the expect.json `file`, each check says on which line it was declared.
 */
export async function checkExpectations(s: Session, e: Expectations, snap?: Snapshot, file?: UnitFile): Promise<CheckResult[]> {
  snap ??= await snapshot(s, e);
  const out: CheckResult[] = [];
  const add = (task: number, check: string, ok: boolean, detail: string, d: Declared) => {
    const line = file && lineOfDeclaration(file, d.section, d.needles);
    const query = `${file ? `${at(file, line)} · ` : ''}catalog: ${READS[d.reads]}`;
    const base = { task, check, ok, detail, expected: d.expected, query };
    out.push(d.blocked && d.blocked.length > 0 ? { ...base, blocked: d.blocked } : base);
  };
  const missingTables = (...names: string[]) => unique(names.filter((n) => !snap.tables.has(n))).map((n) => `table ${n}`);
  const blockedDetail = (missing: string[]) => `blocked: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`;

  for (const name of e.schemas ?? []) {
    add(TASK.readiness, `schema ${name}`, snap.schemas.has(name), snap.schemas.has(name) ? 'exists' : `schema ${name} is missing`, { expected: `schema ${name} exists`, reads: 'schemas', section: 'schemas', needles: [name] });
  }
  for (const name of e.roles ?? []) {
    add(TASK.readiness, `role ${name}`, snap.roles.has(name), snap.roles.has(name) ? 'exists' : `role ${name} is missing`, { expected: `role ${name} exists`, reads: 'roles', section: 'roles', needles: [name] });
  }
  for (const [table, spec] of Object.entries(e.tables ?? {})) {
    const t = snap.tables.get(table);
    const declared = { reads: 'tables' as const, section: 'tables', needles: [table] };
    const rls = spec.rls === undefined ? undefined : { expected: `row level security ${spec.rls ? 'enabled' : 'disabled'}`, reads: 'rls' as const, section: 'tables', needles: [table] };
    const expected = Object.entries(spec.columns ?? {});
    const tableExpected = spec.columns ? `${table} with its ${expected.length} declared columns and types, no others` : `${table} exists`;
    if (!t) {
      add(TASK.schema, `table ${table}`, false, `table ${table} is missing`, { ...declared, expected: tableExpected });
      if (rls) add(TASK.rls, `rls ${table}`, false, blockedDetail([`table ${table}`]), { ...rls, blocked: [`table ${table}`] });
      continue;
    }
    const problems: string[] = [];
    for (const [col, type] of expected) {
      const actual = t.columns.get(col);
      if (actual === undefined) problems.push(`column ${col} is missing`);
      else if (actual !== type) problems.push(`column ${col} is ${actual}, expected ${type}`);
    }
    if (spec.columns) {
      const extra = [...t.columns.keys()].filter((c) => !(c in spec.columns!));
      if (extra.length) problems.push(`undeclared columns ${extra.join(', ')}`);
    }
    add(TASK.schema, `table ${table}`, problems.length === 0, problems.length ? problems.join('; ') : `${t.columns.size} columns as declared`, { ...declared, expected: tableExpected });
    if (rls) {
      add(TASK.rls, `rls ${table}`, t.rls === spec.rls, t.rls === spec.rls ? `row level security ${t.rls ? 'enabled' : 'disabled'}` : `row level security is ${t.rls ? 'enabled' : 'disabled'}, expected ${spec.rls ? 'enabled' : 'disabled'}`, rls);
    }
  }
  for (const [index, table] of Object.entries(e.indexes ?? {})) {
    const i = snap.indexes.get(index);
    const ok = !!i && i.table === table && i.valid;
    const declared = { expected: `on ${table}, valid`, reads: 'indexes' as const, section: 'indexes', needles: [index] };
    if (!i && missingTables(table).length > 0) {
      add(TASK.indexes, `index ${index}`, false, blockedDetail(missingTables(table)), { ...declared, blocked: missingTables(table) });
      continue;
    }
    add(TASK.indexes, `index ${index}`, ok, !i ? `index ${index} is missing` : i.table !== table ? `index ${index} is on ${i.table}, expected ${table}` : i.valid ? `on ${table}, valid` : `index ${index} is INVALID`, declared);
  }
  for (const fk of e.foreignKeys ?? []) {
    const label = `foreign key ${fk.table}(${fk.columns.join(', ')}) → ${fk.references}`;
    const declared = { expected: `${label}${fk.onDelete ? `, on delete ${fk.onDelete}` : ''}`, reads: 'foreignKeys' as const, section: 'foreignKeys', needles: [fk.table, ...fk.columns, fk.references] };
    const absent = missingTables(fk.table, fk.references);
    if (absent.length > 0) {
      add(TASK.integration, label, false, blockedDetail(absent), { ...declared, blocked: absent });
      continue;
    }
    const found = snap.fks.find((f) => f.table === fk.table && f.references === fk.references && sameList(f.columns, fk.columns) && (!fk.name || f.name === fk.name));
    const ok = !!found && (!fk.onDelete || found.onDelete === fk.onDelete);
    add(TASK.integration, label, ok, !found ? `${label} is missing` : ok ? `${found.name}, on delete ${found.onDelete}` : `${found.name} has on delete ${found.onDelete}, expected ${fk.onDelete}`, declared);
  }
  for (const [table, names] of Object.entries(e.policies ?? {})) {
    const declared = { expected: `policies ${names.join(', ')}`, reads: 'policies' as const, section: 'policies', needles: [table] };
    if (missingTables(table).length > 0) {
      add(TASK.rls, `policies on ${table}`, false, blockedDetail(missingTables(table)), { ...declared, blocked: missingTables(table) });
      continue;
    }
    const have = snap.policies.get(table) ?? new Set();
    const missing = names.filter((n) => !have.has(n));
    add(TASK.rls, `policies on ${table}`, missing.length === 0, missing.length ? `missing polic${missing.length > 1 ? 'ies' : 'y'} ${missing.join(', ')}` : `${names.length} policies present`, declared);
  }
  for (const [table, names] of Object.entries(e.triggers ?? {})) {
    const declared = { expected: `triggers ${names.join(', ')}`, reads: 'triggers' as const, section: 'triggers', needles: [table] };
    if (missingTables(table).length > 0) {
      add(TASK.triggers, `triggers on ${table}`, false, blockedDetail(missingTables(table)), { ...declared, blocked: missingTables(table) });
      continue;
    }
    const have = snap.triggers.get(table) ?? new Set();
    const missing = names.filter((n) => !have.has(n));
    add(TASK.triggers, `triggers on ${table}`, missing.length === 0, missing.length ? `missing trigger${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : `${names.length} triggers attached`, declared);
  }
  for (const fn of e.functions ?? []) {
    const present = snap.functions.has(normalizeSignature(fn));
    const schema = normalizeSignature(fn).split('.')[0];
    const noSchema = !present && !snap.schemas.has(schema) ? [`schema ${schema}`] : undefined;
    add(TASK.triggers, `function ${fn}`, present, present ? 'exists' : `function ${fn} is missing${noSchema ? ` (schema ${schema} is missing)` : ''}`,
      { expected: `function ${fn} exists`, reads: 'functions', section: 'functions', needles: [fn], blocked: noSchema });
  }
  for (const [type, labels] of Object.entries(e.enums ?? {})) {
    const have = snap.enums.get(type);
    const ok = !!have && sameList(have, labels);
    add(TASK.enums, `enum ${type}`, ok, !have ? `enum ${type} is missing` : ok ? labels.join(', ') : `labels are ${have.join(', ')}; expected ${labels.join(', ')}`,
      { expected: `labels in this order: ${labels.join(', ')}`, reads: 'enums', section: 'enums', needles: [type] });
  }
  for (const g of e.grants ?? []) {
    const declared = { expected: `${g.privileges.join(', ')} on ${g.table} to ${g.role}`, reads: 'grants' as const, section: 'grants', needles: [g.role, g.table] };
    const absent = [...missingTables(g.table), ...(snap.roles.has(g.role) ? [] : [`role ${g.role}`])];
    if (absent.length > 0) {
      add(TASK.readiness, `grants on ${g.table} to ${g.role}`, false, blockedDetail(absent), { ...declared, blocked: absent });
      continue;
    }
    const have = snap.grants.get(`${g.table}|${g.role}`) ?? new Set();
    const missing = g.privileges.map((p) => p.toUpperCase()).filter((p) => !have.has(p));
    add(TASK.readiness, `grants on ${g.table} to ${g.role}`, missing.length === 0, missing.length ? `${g.role} lacks ${missing.join(', ')} on ${g.table}` : g.privileges.join(', '), declared);
  }
  return out;
}

/** After a rollback, the objects a unit declared (other than shared schemas, roles, grants) must be gone. */
export async function checkAbsent(s: Session, e: Expectations): Promise<CheckResult[]> {
  const snap = await snapshot(s, e);
  const left: string[] = [
    ...Object.keys(e.tables ?? {}).filter((t) => snap.tables.has(t)).map((t) => `table ${t}`),
    ...Object.keys(e.indexes ?? {}).filter((i) => snap.indexes.has(i)).map((i) => `index ${i}`),
    ...(e.functions ?? []).filter((f) => snap.functions.has(normalizeSignature(f))).map((f) => `function ${f}`),
    ...Object.keys(e.enums ?? {}).filter((t) => snap.enums.has(t)).map((t) => `type ${t}`),
  ];
  return [{ task: TASK.rollback, check: 'objects removed', ok: left.length === 0, detail: left.length ? `still present: ${left.join(', ')}` : 'every declared object is gone' }];
}

/** One expectation set covering several units: its snapshot serves checkExpectations for each of them. */
export function mergeExpectations(list: readonly Expectations[]): Expectations {
  const out: Required<Expectations> = { schemas: [], roles: [], tables: {}, indexes: {}, foreignKeys: [], policies: {}, triggers: {}, functions: [], enums: {}, grants: [] };
  for (const e of list) {
    out.schemas.push(...(e.schemas ?? []));
    out.roles.push(...(e.roles ?? []));
    Object.assign(out.tables, e.tables);
    Object.assign(out.indexes, e.indexes);
    out.foreignKeys.push(...(e.foreignKeys ?? []));
    for (const [t, names] of Object.entries(e.policies ?? {})) out.policies[t] = [...(out.policies[t] ?? []), ...names];
    for (const [t, names] of Object.entries(e.triggers ?? {})) out.triggers[t] = [...(out.triggers[t] ?? []), ...names];
    out.functions.push(...(e.functions ?? []));
    Object.assign(out.enums, e.enums);
    out.grants.push(...(e.grants ?? []));
  }
  return out;
}

function normalizeSignature(fn: string): string {
  const withSchema = /^[^.(]+\.[^(]+\(/.test(fn) ? fn : `public.${fn}`;
  return withSchema.replace(/\s*,\s*/g, ', ').replace(/\(\s*\)/, '()');
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function groupSets(rows: Array<{ tbl: string; name: string }>): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!m.has(r.tbl)) m.set(r.tbl, new Set());
    m.get(r.tbl)!.add(r.name);
  }
  return m;
}

interface RawSnapshot {
  schemas: string[] | null;
  roles: string[] | null;
  tables: Array<{ name: string; rls: boolean }> | null;
  columns: Array<{ tbl: string; name: string; type: string }> | null;
  indexes: Array<{ name: string; tbl: string; valid: boolean }> | null;
  fks: Array<{ tbl: string; name: string; cols: string[]; ref: string; del: string }> | null;
  policies: Array<{ tbl: string; name: string }> | null;
  triggers: Array<{ tbl: string; name: string }> | null;
  functions: string[] | null;
  enums: Array<{ name: string; labels: string[] }> | null;
  grants: Array<{ tbl: string; role: string; priv: string }> | null;
}

// $1 schemas, $2 roles, $3 tables, $4 indexes, $5 functions (signatures), $6 enum types.
const SNAPSHOT_SQL = `
with t as (
  select c.oid, n.nspname || '.' || c.relname as name, c.relrowsecurity as rls, c.relacl
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where c.relkind in ('r', 'p', 'v', 'm', 'f') and c.relname = any(${namesIn('select json_array_elements_text($3::text::json)')})
     and n.nspname || '.' || c.relname = any(array(select json_array_elements_text($3::text::json)))
)
select json_build_object(
  'schemas', (select json_agg(nspname) from pg_namespace where nspname = any(array(select json_array_elements_text($1::text::json)))),
  'roles', (select json_agg(rolname) from pg_roles where rolname = any(array(select json_array_elements_text($2::text::json)))),
  'tables', (select json_agg(json_build_object('name', t.name, 'rls', t.rls)) from t),
  'columns', (select json_agg(json_build_object('tbl', t.name, 'name', a.attname,
                 'type', format_type(a.atttypid, a.atttypmod) || case when a.attnotnull then ' not null' else '' end))
                from t join pg_attribute a on a.attrelid = t.oid where a.attnum > 0 and not a.attisdropped),
  'indexes', (select json_agg(json_build_object('name', n.nspname || '.' || ic.relname, 'tbl', tn.nspname || '.' || tc.relname, 'valid', i.indisvalid and i.indisready))
                from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_namespace n on n.oid = ic.relnamespace
                join pg_class tc on tc.oid = i.indrelid join pg_namespace tn on tn.oid = tc.relnamespace
               where ic.relname = any(${namesIn('select json_array_elements_text($4::text::json)')}) and n.nspname || '.' || ic.relname = any(array(select json_array_elements_text($4::text::json)))),
  'fks', (select json_agg(json_build_object('tbl', t.name, 'name', co.conname, 'del', co.confdeltype,
             'ref', rn.nspname || '.' || rc.relname,
             'cols', (select json_agg(a.attname order by k.ord) from unnest(co.conkey) with ordinality k(attnum, ord)
                        join pg_attribute a on a.attrelid = co.conrelid and a.attnum = k.attnum)))
            from t join pg_constraint co on co.conrelid = t.oid and co.contype = 'f' and co.conparentid = 0
            join pg_class rc on rc.oid = co.confrelid join pg_namespace rn on rn.oid = rc.relnamespace),
  'policies', (select json_agg(json_build_object('tbl', t.name, 'name', p.polname)) from t join pg_policy p on p.polrelid = t.oid),
  'triggers', (select json_agg(json_build_object('tbl', t.name, 'name', g.tgname)) from t join pg_trigger g on g.tgrelid = t.oid and not g.tgisinternal),
  'functions', (select json_agg(sig) from (
                  select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as sig
                    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                   where p.proname = any(${namesIn("select split_part(f, '(', 1) from json_array_elements_text($5::text::json) f")})
                     and n.nspname || '.' || p.proname = any(select split_part(f, '(', 1) from unnest(array(select json_array_elements_text($5::text::json))) f)) s),
  'enums', (select json_agg(json_build_object('name', x.name, 'labels', x.labels)) from (
              select n.nspname || '.' || ty.typname as name, json_agg(e.enumlabel order by e.enumsortorder) as labels
                from pg_type ty join pg_namespace n on n.oid = ty.typnamespace join pg_enum e on e.enumtypid = ty.oid
               where ty.typname = any(${namesIn('select json_array_elements_text($6::text::json)')}) and n.nspname || '.' || ty.typname = any(array(select json_array_elements_text($6::text::json))) group by 1) x),
  'grants', (select json_agg(json_build_object('tbl', t.name, 'role', r.rolname, 'priv', acl.privilege_type))
               from t cross join lateral aclexplode(t.relacl) acl join pg_roles r on r.oid = acl.grantee)
) as snap`;
