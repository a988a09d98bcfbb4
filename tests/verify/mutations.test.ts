import path from 'node:path';
import postgres from 'postgres';
import { adminUrl, freshDatabase, urlFor, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { ROOT, SHIPPED } from '../harness/project';
import { loadMigrations, loadPhases, type Unit } from '../../src/engine/units';
import { deriveDeclared, type Declared } from '../../src/verify/derive/declared';
import { typeKey } from '../../src/verify/derive/normalize';

/**
 * One broken object fails exactly its own task, and names it. The mutations are generated
 * from what the shipped units declare (their own SQL, derived as verify derives it) and
 * from the catalog of a remediated database: one per declared object kind, each applied
 * to a fresh copy of the remediated database (CREATE DATABASE … TEMPLATE).
 */
interface Check { name: string; status: string; detail: string; object?: string; unit?: string; source?: string; expected?: string; found?: string; query?: string; sql?: string }
interface Task { id: number; status: string; checks: Check[] }
interface Report { approved: boolean; tasks: Task[] }

interface Mutation {
  label: string;
  sql: string;
  /** The task that must fail; `alsoAllowed`: tasks the definitions say may follow (7, 8). */
  task: number;
  alsoAllowed?: number[];
  /** A word a failing check of that task must carry in its name, object or detail. */
  names: string;
}

let template: TestDatabase;
let units: Unit[];
let declared: Declared[];
const admin = () => postgres(adminUrl(), { max: 1, onnotice: () => undefined });

beforeAll(async () => {
  template = await freshDatabase('mutations');
  for (const args of [['baseline'], ['remediate', '--yes', ...SHIPPED]]) {
    const r = await runCli(['--database-url', template.url, ...args]);
    if (r.code !== 0) throw new Error(`${args[0]} failed: ${r.stderr}`);
  }
  // A template may have no session open while it is copied.
  await template.sql.end({ timeout: 5 });
  const migrations = loadMigrations(path.join(ROOT, 'database/migrations'));
  const phases = loadPhases(path.join(ROOT, 'phases'), migrations);
  units = [...phases, ...migrations.filter((m) => !phases.some((p) => p.name === m.name))];
  declared = [...(await deriveDeclared(units, typeKey)).objects.values()];
}, 240000);

afterAll(async () => {
  const a = admin();
  try {
    const left = await a<{ datname: string }[]>`select datname from pg_database where datname like ${`${template.name}_m%`}`;
    for (const d of left) await a.unsafe(`drop database if exists "${d.datname}" with (force)`);
    await a.unsafe(`drop database if exists "${template.name}" with (force)`);
  } finally {
    await a.end();
  }
});

let copies = 0;
/** A copy of the remediated database, the mutation applied, verify's JSON report; the copy is dropped. */
async function verifyMutated(sql: (db: postgres.Sql) => Promise<string> | string): Promise<{ report: Report; code: number; applied: string }> {
  const name = `${template.name}_m${++copies}`;
  const a = admin();
  try {
    await a.unsafe(`create database "${name}" template "${template.name}"`);
  } finally {
    await a.end();
  }
  const db = postgres(urlFor(name), { max: 1, onnotice: () => undefined });
  try {
    const applied = await sql(db);
    if (applied) await db.unsafe(applied);
    await db.end();
    const run = await runCli(['--database-url', urlFor(name), ...SHIPPED, 'verify', '--format', 'json']);
    return { report: run.json() as Report, code: run.code, applied };
  } finally {
    await db.end().catch(() => undefined);
    const b = admin();
    await b.unsafe(`drop database if exists "${name}" with (force)`).finally(() => b.end());
  }
}

const failing = (r: Report) => r.tasks.filter((t) => t.status !== 'pass').map((t) => t.id);
const text = (c: Check) => `${c.name} ${c.object ?? ''} ${c.detail}`;

/** Every word the behaviour and up files of the units use as a string literal. */
function literalUses(word: string): number {
  const texts = units.flatMap((u) => [u.up.text, u.behaviour?.text ?? '', u.verify?.text ?? '']);
  return texts.reduce((n, t) => n + (t.split(`'${word}'`).length - 1), 0);
}
const behaviourMentions = (word: string) => units.some((u) => new RegExp(`\\b${word}\\b`).test(u.behaviour?.text ?? ''));
const of = (kind: Declared['kind']) => declared.filter((d) => d.kind === kind);
const tail = (d: Declared) => d.key.split('.').pop()!;
const ident = (qualifiedName: string) => qualifiedName.split('.').map((p) => `"${p}"`).join('.');

/** The mutations, built from the declarations; each says which task must fail and what it must name. */
function mutations(): Mutation[] {
  const out: Mutation[] = [];
  // A column's type: a varchar column no behaviour check touches becomes text.
  const varchar = of('column').find((d) => /^varchar\(/.test(typeKey(d.type)) && !behaviourMentions(tail(d)));
  if (varchar) out.push({ label: `column type of ${varchar.key}`, task: 1, names: tail(varchar), sql: `alter table ${ident(varchar.table!)} alter column "${tail(varchar)}" type text` });
  // Nullability: a NOT NULL column outside any primary key becomes nullable.
  const pkCols = new Set(of('constraint').filter((d) => d.tree.contype === 'CONSTR_PRIMARY').flatMap((d) => (d.tree.keys ?? []).map((k: { String: { sval: string } }) => `${d.table}.${k.String.sval}`)));
  const notNull = of('column').find((d) => d.notNull && !pkCols.has(d.key));
  if (notNull) out.push({ label: `nullability of ${notNull.key}`, task: 1, names: tail(notNull), sql: `alter table ${ident(notNull.table!)} alter column "${tail(notNull)}" drop not null` });
  // A default: a timestamp default no behaviour check relies on moves a day.
  const withDefault = of('column').find((d) => d.default && typeKey(d.type) === 'timestamptz' && !behaviourMentions(tail(d)));
  if (withDefault) {
    out.push({ label: `default of ${withDefault.key}`, task: 1, names: tail(withDefault), sql: '' });
  }
  // A check constraint loosened to CHECK (true) under its own name.
  const check = of('constraint').find((d) => d.tree.contype === 'CONSTR_CHECK' && d.named);
  if (check) out.push({ label: `check constraint ${check.key}`, task: 1, names: tail(check), sql: `alter table ${ident(check.table!)} drop constraint "${tail(check)}", add constraint "${tail(check)}" check (true)` });
  // A policy that lets every row through.
  const policy = of('policy').find((d) => d.tree.qual);
  if (policy) out.push({ label: `policy ${policy.key}`, task: 2, names: tail(policy), sql: `alter policy "${tail(policy)}" on ${ident(policy.table!)} using (true)` });
  // An index's columns: a multi-column index loses its last column; a partial index its predicate.
  const multi = of('index').find((d) => (d.tree.indexParams ?? []).length > 1 && !d.tree.unique);
  if (multi) out.push({ label: `columns of index ${multi.key}`, task: 3, names: tail(multi), sql: '' });
  const partial = of('index').find((d) => d.tree.whereClause);
  if (partial) out.push({ label: `predicate of index ${partial.key}`, task: 3, names: tail(partial), sql: '' });
  // A trigger disabled, another dropped.
  const triggers = of('trigger');
  out.push({ label: `trigger ${triggers[0].key} disabled`, task: 4, names: tail(triggers[0]), sql: `alter table ${ident(triggers[0].table!)} disable trigger "${tail(triggers[0])}"` });
  const last = triggers[triggers.length - 1];
  out.push({ label: `trigger ${last.key} dropped`, task: 4, names: tail(last), sql: `drop trigger "${tail(last)}" on ${ident(last.table!)}` });
  // Each trigger function made a no-op.
  for (const f of of('function').filter((d) => typeKey(d.tree.returnType) === 'trigger')) {
    const name = f.key.replace(/\(.*$/, '');
    out.push({ label: `trigger function ${name} made a no-op`, task: 4, names: name.split('.').pop()!, sql: `create or replace function ${ident(name)}() returns trigger language plpgsql as $$ begin return new; end $$` });
  }
  // Enums: a label added, a label no file uses renamed, two labels reordered.
  const enums = of('enum');
  out.push({ label: `label added to ${enums[0].key}`, task: 5, names: tail(enums[0]), sql: `alter type ${ident(enums[0].key)} add value 'migrate_mutation'` });
  const renamable = enums.flatMap((e) => e.labels!.filter((l) => literalUses(l) === 1).map((l) => ({ e, l })))[0];
  if (renamable) out.push({ label: `label ${renamable.l} of ${renamable.e.key} renamed`, task: 5, names: tail(renamable.e), sql: `alter type ${ident(renamable.e.key)} rename value '${renamable.l}' to '${renamable.l}_renamed'` });
  const reordered = enums[enums.length - 1];
  out.push({
    label: `labels of ${reordered.key} reordered`, task: 5, names: tail(reordered),
    // pg_enum's sort order is unique per type: the two trade places through a free value.
    sql: `do $$
          declare a real; b real;
          begin
            select enumsortorder into a from pg_enum where enumtypid = '${reordered.key}'::regtype and enumlabel = '${reordered.labels![0]}';
            select enumsortorder into b from pg_enum where enumtypid = '${reordered.key}'::regtype and enumlabel = '${reordered.labels![1]}';
            update pg_enum set enumsortorder = -1 where enumtypid = '${reordered.key}'::regtype and enumlabel = '${reordered.labels![0]}';
            update pg_enum set enumsortorder = a where enumtypid = '${reordered.key}'::regtype and enumlabel = '${reordered.labels![1]}';
            update pg_enum set enumsortorder = b where enumtypid = '${reordered.key}'::regtype and enumlabel = '${reordered.labels![0]}';
          end $$`,
  });
  // Each foreign key's ON DELETE action changed; the first one dropped too.
  const fks = of('constraint').filter((d) => d.tree.contype === 'CONSTR_FOREIGN');
  for (const fk of fks) out.push({ label: `ON DELETE of ${fk.key} changed`, task: 6, names: tail(fk), sql: '' });
  out.push({ label: `foreign key ${fks[0].key} dropped`, task: 6, names: tail(fks[0]), sql: `alter table ${ident(fks[0].table!)} drop constraint "${tail(fks[0])}"` });
  // The partition that holds now() goes missing (rows fall into the default partition).
  out.push({ label: 'current partition missing', task: 7, names: 'partition', sql: '' });
  // A view on the newest unit's table: the rehearsed rollback cannot drop the table.
  const newest = of('table').filter((d) => d.origins[0].unit === units[units.length - 1].name || d.origins[0].unit.startsWith('0024'))[0];
  out.push({ label: `a view on ${newest.key} blocks the rollback`, task: 8, names: 'migrate_mutation_view', sql: `create view public.migrate_mutation_view as select * from ${ident(newest.key)}` });
  return out;
}

/** The mutations whose SQL depends on what the server prints (definitions), built against the copy. */
async function sqlFor(m: Mutation, db: postgres.Sql): Promise<string> {
  if (m.sql) return m.sql;
  if (m.label.startsWith('default of ')) {
    const key = m.label.slice('default of '.length);
    const d = declared.find((x) => x.kind === 'column' && x.key === key)!;
    const [r] = await db<{ def: string }[]>`select pg_get_expr(adbin, adrelid) as def from pg_attrdef where adrelid = ${d.table!}::regclass and adnum = (select attnum from pg_attribute where attrelid = ${d.table!}::regclass and attname = ${tail(d)})`;
    return `alter table ${ident(d.table!)} alter column "${tail(d)}" set default (${r.def}) + interval '1 day'`;
  }
  if (m.label.startsWith('columns of index ') || m.label.startsWith('predicate of index ')) {
    const key = m.label.replace(/^(columns|predicate) of index /, '');
    const [r] = await db<{ def: string }[]>`select pg_get_indexdef(${key}::regclass) as def`;
    const changed = m.label.startsWith('predicate')
      ? r.def.replace(/ WHERE .*$/, '')
      : r.def.replace(/\(([^()]*(?:\([^()]*\)[^()]*)*)\)(?=( WHERE| INCLUDE|$))/, (_, cols: string) => `(${cols.split(', ').slice(0, -1).join(', ')})`);
    expect(changed).not.toBe(r.def);
    return `drop index ${ident(key)}; ${changed}`;
  }
  if (m.label.startsWith('ON DELETE of ')) {
    const d = declared.find((x) => x.kind === 'constraint' && x.key === m.label.replace(/^ON DELETE of | changed$/g, ''))!;
    const [r] = await db<{ def: string }[]>`select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = ${d.table!}::regclass and conname = ${tail(d)}`;
    expect(r).toBeDefined();
    const changed = /ON DELETE (CASCADE|SET NULL|SET DEFAULT)/.test(r.def) ? r.def.replace(/ON DELETE (CASCADE|SET NULL|SET DEFAULT)/, 'ON DELETE RESTRICT') : `${r.def} ON DELETE CASCADE`;
    return `alter table ${ident(d.table!)} drop constraint "${tail(d)}", add constraint "${tail(d)}" ${changed}`;
  }
  if (m.label === 'current partition missing') {
    const rows = await db<{ part: string; parent: string }[]>`
      select c.oid::regclass::text as part, h.inhparent::regclass::text as parent
        from pg_inherits h join pg_class c on c.oid = h.inhrelid join pg_partitioned_table pt on pt.partrelid = h.inhparent
       where pg_get_expr(c.relpartbound, c.oid) like 'FOR VALUES FROM%'
         and now() >= (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz
         and now() < (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz`;
    expect(rows.length).toBeGreaterThan(0);
    return rows.map((r) => `alter table ${r.parent} detach partition ${r.part}; drop table ${r.part};`).join('\n');
  }
  throw new Error(`no SQL for ${m.label}`);
}

test('an untouched remediated database is APPROVED, every derived check passing', async () => {
  const { report, code } = await verifyMutated(() => '');
  const bad = report.tasks.flatMap((t) => t.checks.filter((c) => c.status !== 'pass').map((c) => `${t.id} ${c.name}: ${c.detail}`));
  expect(bad).toEqual([]);
  expect(code).toBe(0);
  expect(report.approved).toBe(true);
  // Every kind of declared object was checked against its definition.
  const derived = report.tasks.flatMap((t) => t.checks).filter((c) => c.source === 'derived' || (c as { evidence?: Check[] }).evidence?.some((e) => e.source === 'derived'));
  for (const kind of ['table ', 'column ', 'index ', 'policy ', 'trigger ', 'function ', 'enum ', 'foreign key ', 'check constraint ', 'rls ']) {
    expect(derived.some((c) => c.name.startsWith(kind))).toBe(true);
  }
});

describe('one broken object fails exactly its own task and names it', () => {
  // Built lazily: the declarations are read in beforeAll.
  const cases = () => mutations();
  test('the mutations cover every declared object kind', () => {
    const labels = cases().map((m) => m.label).join('\n');
    for (const re of [/^column type/m, /^nullability/m, /^default of/m, /^check constraint/m, /^policy/m, /^columns of index/m, /^predicate of index/m, /disabled$/m, /dropped$/m, /made a no-op$/m, /^label added/m, /renamed$/m, /reordered$/m, /^ON DELETE of/m, /^foreign key .* dropped$/m, /^current partition missing$/m, /blocks the rollback$/m]) {
      expect(labels).toMatch(re);
    }
    // One no-op per trigger function the units declare.
    expect(cases().filter((m) => m.label.endsWith('made a no-op')).length).toBe(of('function').filter((d) => typeKey(d.tree.returnType) === 'trigger').length);
  });

  test('each mutation', async () => {
    const wrong: string[] = [];
    for (const m of cases()) {
      const { report, code, applied } = await verifyMutated((db) => sqlFor(m, db));
      const failed = failing(report);
      const allowed = new Set([m.task, ...(m.alsoAllowed ?? [])]);
      const task = report.tasks.find((t) => t.id === m.task)!;
      const naming = task.checks.filter((c) => c.status === 'fail' && text(c).includes(m.names));
      const problems = [
        ...(code !== 4 || report.approved ? [`approved (exit ${code})`] : []),
        ...(!failed.includes(m.task) ? [`task ${m.task} did not fail (failing: ${failed.join(', ') || 'none'})`] : []),
        ...failed.filter((t) => !allowed.has(t)).map((t) => `task ${t} failed too: ${report.tasks.find((x) => x.id === t)!.checks.filter((c) => c.status !== 'pass').map((c) => `${c.name}: ${c.detail}`).join(' | ').slice(0, 600)}`),
        ...(failed.includes(m.task) && naming.length === 0 ? [`no failing check of task ${m.task} names ${m.names}: ${task.checks.filter((c) => c.status === 'fail').map(text).join(' | ').slice(0, 600)}`] : []),
      ];
      if (problems.length) wrong.push(`${m.label} (${applied.replace(/\s+/g, ' ').slice(0, 200)}): ${problems.join('; ')}`);
      // A failing check carries its evidence: what decided it.
      for (const c of naming) expect(c.query ?? c.sql).toBeTruthy();
    }
    expect(wrong).toEqual([]);
  }, 600000);
});
