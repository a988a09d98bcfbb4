import { ownedDatabase, type OwnedDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';

/** The named checks before the first change, as `plan` shows them and as `up` acts on them. */
let o: OwnedDatabase;
beforeAll(async () => {
  o = await ownedDatabase('preflight');
  // A table of another role, as an application's table often is: the database owner may not alter it.
  await o.db.sql`create table app_owned (id int)`;
});
afterAll(async () => {
  await o.drop();
});

const dirs = (p: { migrationsDir: string; phasesDir: string }) => ['--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];
const check = (out: any, name: string) => out.preflight.find((c: { name: string }) => c.name === name);

test('plan --json lists every check by name; a table the user does not own fails "privileges"', async () => {
  const p = migrationsProject({ '0001_alter_app_table.sql': 'alter table app_owned add column note text;\n' });
  const plan = await runCli(['--database-url', o.ownerUrl, ...dirs(p), 'plan', '--json']);
  expect(plan.code).toBe(3);
  const out = plan.json();
  expect(out.ready).toBe(false);
  expect(out.preflight.map((c: { name: string }) => c.name)).toEqual(['server version', 'database accepts writes', 'privileges', 'extensions', "sessions holding the plan's tables"]);
  expect(check(out, 'server version')).toMatchObject({ ok: true, detail: expect.stringMatching(/^PostgreSQL \d+/) });
  expect(check(out, 'privileges')).toMatchObject({ ok: false, detail: expect.stringContaining('lacks OWNER on table public.app_owned (ALTER TABLE') });
});

test('up refuses a failing check with exit 3 and changes nothing', async () => {
  const p = migrationsProject({ '0001_side.sql': 'create table side_effect (id int);\n', '0002_alter_app_table.sql': 'alter table app_owned add column note text;\n' });
  const run = await runCli(['--database-url', o.ownerUrl, ...dirs(p), 'up']);
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(/preflight failed: privileges; nothing was changed/);
  const [{ t }] = await o.db.sql`select to_regclass('public.side_effect') as t`;
  expect(t).toBeNull();
});

test('the same user may create in the schemas it owns: the check passes and up applies', async () => {
  const p = migrationsProject({ '0001_own_table.sql': 'create table mine (id int);\nalter table mine add column note text;\n' });
  const plan = await runCli(['--database-url', o.ownerUrl, ...dirs(p), 'plan', '--json']);
  expect(check(plan.json(), 'privileges')).toMatchObject({ ok: true });
  const run = await runCli(['--database-url', o.ownerUrl, ...dirs(p), 'up', '--json']);
  expect(run.code).toBe(0);
  expect(run.json().preflight.every((c: { ok: boolean }) => c.ok)).toBe(true);
});

test('an extension the server does not have fails "extensions" (exit 3 before anything runs)', async () => {
  const p = migrationsProject({ '0001_before.sql': 'create table before_ext (id int);\n', '0002_ext.sql': 'create extension if not exists no_such_extension_here;\n' });
  const plan = await runCli(['--database-url', o.db.url, ...dirs(p), 'plan', '--json']);
  expect(check(plan.json(), 'extensions')).toMatchObject({ ok: false, detail: expect.stringContaining('no_such_extension_here') });
  const run = await runCli(['--database-url', o.db.url, ...dirs(p), 'up']);
  expect(run.code).toBe(3);
  const [{ t }] = await o.db.sql`select to_regclass('public.before_ext') as t`;
  expect(t).toBeNull();
});
