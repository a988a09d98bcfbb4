import { randomBytes } from 'node:crypto';
import { runCli } from '../harness/cli';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { migrationsProject } from '../harness/fixtures';
import { fingerprintOf } from '../harness/schema';

/**
 * The rollback proof: a down step that does not put the unit's footprint back as it was
 * fails, and its rollback is undone (the unit stays applied, the database as `up` left it).
 * Each case: a base unit, then a change whose down step gets one thing wrong.
 */
const role = `proof_owner_${randomBytes(3).toString('hex')}`;

interface Case {
  name: string;
  base: string;
  up: string;
  down: string;
  /** What the failed check must name. */
  names: RegExp;
  /** Returns true while the database is as the change's up step left it. */
  stillApplied: string;
}

const CASES: Case[] = [
  {
    name: 'a view restored with a different WHERE',
    base: 'create table t (id int, ok bool);\ncreate view v as select id from t where ok;\n',
    up: 'create or replace view v as select id from t where ok and id > 0;\n',
    down: 'create or replace view v as select id from t where not ok;\n',
    names: /~ relation public\.v\b/,
    stillApplied: "select pg_get_viewdef('v'::regclass) like '%id > 0%' as ok",
  },
  {
    name: 'a dropped column re-added at the end instead of in its place',
    base: 'create table t (a int, b text, c int);\n',
    up: 'alter table t drop column b;\n',
    down: 'alter table t add column b text;\n',
    names: /~ column public\.t\.b\b/,
    stillApplied: "select not exists (select 1 from pg_attribute where attrelid = 't'::regclass and attname = 'b' and not attisdropped) as ok",
  },
  {
    name: 'an owner not given back',
    base: 'create table t (a int);\n',
    up: `alter table t owner to ${role};\n`,
    down: 'select 1;\n',
    names: /~ relation public\.t\b/,
    stillApplied: `select pg_get_userbyid(relowner) = '${role}' as ok from pg_class where oid = 't'::regclass`,
  },
  {
    name: 'a comment put back with other words',
    base: "create table t (a int);\ncomment on column t.a is 'the a';\n",
    up: "comment on column t.a is 'the new a';\n",
    down: "comment on column t.a is 'an a';\n",
    names: /~ column public\.t\.a\b/,
    stillApplied: "select col_description('t'::regclass, 1) = 'the new a' as ok",
  },
  {
    name: 'a sequence setting restored to another value',
    base: 'create sequence s;\n',
    up: 'alter sequence s increment by 5;\n',
    down: 'alter sequence s increment by 2;\n',
    names: /~ relation public\.s\b/,
    stillApplied: "select seqincrement = 5 as ok from pg_sequence where seqrelid = 's'::regclass",
  },
  {
    name: 'a sequence ownership left in place',
    base: 'create table t (a int);\ncreate sequence s;\n',
    up: 'alter sequence s owned by t.a;\n',
    down: 'select 1;\n',
    names: /~ relation public\.s\b/,
    stillApplied: "select exists (select 1 from pg_depend where objid = 's'::regclass and refobjid = 't'::regclass and deptype = 'a') as ok",
  },
  {
    name: 'a grant revoked as another privilege',
    base: 'create table t (a int);\n',
    up: 'grant select on t to public;\n',
    down: 'revoke insert on t from public;\n',
    names: /~ relation public\.t\b/,
    stillApplied: "select has_table_privilege('public', 't', 'select') as ok",
  },
  {
    name: 'an enum rebuilt with its labels in another order',
    base: "create type e as enum ('a', 'b');\n",
    up: "alter type e add value 'c';\n",
    down: "alter type e rename to e_old;\ncreate type e as enum ('b', 'a');\ndrop type e_old;\n",
    names: /~ type public\.e\b/,
    stillApplied: "select array(select enumlabel::text from pg_enum where enumtypid = 'e'::regtype order by enumsortorder) = '{a,b,c}' as ok",
  },
  {
    name: 'a function put back with another body',
    base: 'create function f() returns int language sql as $$ select 1 $$;\n',
    up: 'create or replace function f() returns int language sql as $$ select 2 $$;\n',
    down: 'create or replace function f() returns int language sql as $$ select 3 $$;\n',
    names: /~ function public\.f\(\)/,
    stillApplied: 'select f() = 2 as ok',
  },
];

let admin: TestDatabase;
beforeAll(async () => {
  admin = await freshDatabase('proof_roles');
  await admin.sql.unsafe(`create role ${role} nologin`);
});
afterAll(async () => {
  await admin.sql.unsafe(`drop role if exists ${role}`).catch(() => undefined);
  await admin.drop();
});

function project(c: Pick<Case, 'base' | 'up' | 'down'>) {
  return migrationsProject({
    '0001_base.sql': c.base,
    '0001_base.down.sql': 'select 1;\n',
    '0002_change.sql': c.up,
    '0002_change.down.sql': c.down,
  });
}

describe.each(CASES)('a rollback that does not restore the footprint: $name', (c) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase('proof');
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('fails, names what differs, and is undone', async () => {
    const p = project(c);
    const args = ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];
    const up = await runCli([...args, 'up', '--json']);
    expect({ code: up.code, error: up.json().error }).toEqual({ code: 0, error: undefined });
    const applied = await fingerprintOf(db.url);

    const rb = await runCli([...args, 'rollback', '0002_change', '--yes', '--allow-data-loss', '--json']);
    expect(rb.code).toBe(1);
    expect(rb.json().units.map((u: { action: string }) => u.action)).toEqual(['failed']);
    expect(rb.json().error.message).toMatch(/rollback did not restore the schema: schema restored: not restored: /);
    expect(rb.json().error.message).toMatch(c.names);

    const [{ ok }] = await db.sql.unsafe(c.stillApplied);
    expect(ok).toBe(true);
    expect(await fingerprintOf(db.url)).toEqual(applied);
    const status = await runCli([...args, 'status', '--json']);
    expect(status.json().units.find((u: { name: string }) => u.name === '0002_change').state).toBe('applied');
  });
});

describe('a rollback that restores the footprint', () => {
  let db: TestDatabase;
  let proj: ReturnType<typeof project>;
  beforeAll(async () => {
    db = await freshDatabase('proof_ok');
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('passes; the proof is kept beside the history, not in the row status reads', async () => {
    const p = (proj = project({
      base: 'create table t (a int, b text, c int);\ncreate view v as select a from t where c > 0;\n',
      up: 'drop view v;\nalter table t drop column b;\ncreate view v as select a, c from t;\n',
      down: 'drop view v;\nalter table t rename column c to c_old;\nalter table t add column b text;\nalter table t add column c int;\nupdate t set c = c_old;\nalter table t drop column c_old;\ncreate view v as select a from t where c > 0;\n',
    }));
    const args = ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];
    expect((await runCli([...args, 'up'])).code).toBe(0);

    const [row] = await db.sql`select h.detail, s.before from migrate.history h join migrate.unit_state s using (run_id, unit) where h.unit = '0002_change' and h.event = 'applied'`;
    expect(row.detail).toBeNull();
    expect(Object.keys(row.before)).toEqual(expect.arrayContaining(['relation public.t', 'column public.t.b', 'relation public.v']));

    const rb = await runCli([...args, 'rollback', '0002_change', '--yes', '--json']);
    expect({ code: rb.code, error: rb.json().error }).toEqual({ code: 0, error: undefined });
    expect(rb.json().units).toEqual([expect.objectContaining({ action: 'rolled-back', schemaEqualsBefore: true })]);
    const [{ def }] = await db.sql`select pg_get_viewdef('v'::regclass) as def`;
    expect(def).toMatch(/c > 0/);
  });

  test('a unit applied by an older runner, with the whole catalog in its history row, still rolls back', async () => {
    const p = proj;
    const args = ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];
    expect((await runCli([...args, 'up'])).code).toBe(0);
    p.write('0003_legacy.sql', 'create table legacy (id int);\n');
    p.write('0003_legacy.down.sql', 'drop table legacy;\n');
    const before = await fingerprintOf(db.url);
    expect((await runCli([...args, 'up'])).code).toBe(0);
    // What the earlier runner stored: the whole map before, and the keys the unit changed.
    await db.sql`delete from migrate.unit_state where unit = '0003_legacy'`;
    const detail = JSON.stringify({ before, footprint: ['table public.legacy', 'column public.legacy.id', 'type public.legacy'] });
    await db.sql`update migrate.history set detail = ${detail}::text::jsonb where unit = '0003_legacy' and event = 'applied'`;

    // status reads the row without its map.
    const status = await runCli([...args, 'status', '--json']);
    expect(status.stderr).toBe('');
    expect(status.json().units.find((u: { name: string }) => u.name === '0003_legacy').state).toBe('applied');
    const rb = await runCli([...args, 'rollback', '0003_legacy', '--yes', '--json']);
    expect({ code: rb.code, error: rb.json().error }).toEqual({ code: 0, error: undefined });
    expect(rb.json().units).toEqual([expect.objectContaining({ action: 'rolled-back', schemaEqualsBefore: true })]);
  });
});
