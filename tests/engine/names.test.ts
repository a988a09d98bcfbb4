import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('names');
});
afterAll(async () => db.drop());

const args = (p: { migrationsDir: string; phasesDir: string }) => ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];

describe('unit names with dots (Mattermost: 000056_upgrade_channels_v6.0.sql)', () => {
  const dotted = '000056_upgrade_channels_v6.0';
  const project = migrationsProject({
    '000055_create_teams.sql': 'create table teams (id int primary key);\n',
    [`${dotted}.sql`]: 'create table channels (id int primary key, team int references teams);\n',
    [`${dotted}.down.sql`]: 'drop table channels;\n',
    // Prechecks run before the first change, so this one cannot ask for teams.
    [`${dotted}.precheck.sql`]: "select 'no channels table yet' as check, to_regclass('public.channels') is null as ok, 'channels exists' as detail\n",
    [`${dotted}.verify.sql`]: "select 'channels exists' as check, to_regclass('public.channels') is not null as ok, 'channels' as detail\n",
    [`${dotted}.behaviour.sql`]: "select 1 as task, 'channels is empty' as check, count(*) = 0 as ok, 'rows' as detail from channels\n",
    [`${dotted}.expect.json`]: JSON.stringify({ tables: { 'public.channels': { columns: { id: 'integer not null', team: 'integer' } } } }),
  });

  test('the dotted file and its companions make one unit named without the extensions, and up applies it', async () => {
    const run = await runCli([...args(project), 'up', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual(['000055_create_teams applied', `${dotted} applied`]);
    const rows = await db.sql`select unit, event from migrate.history where unit like '000056%' order by id`;
    // The verify companion ran inside the unit: an "applied" and a "verified" row, under the dotted name.
    expect(rows.map((r) => `${r.unit} ${r.event}`)).toEqual([`${dotted} applied`, `${dotted} verified`]);
  });

  test('status lists it by its dotted name as applied', async () => {
    const st = await runCli([...args(project), 'status', '--json']);
    expect(st.code).toBe(0);
    expect(st.json().units.map((u: { name: string; state: string }) => `${u.name} ${u.state}`)).toEqual(['000055_create_teams applied', `${dotted} applied`]);
  });

  test('rollback 000056 runs its down step', async () => {
    const run = await runCli([...args(project), 'rollback', '000056', '--yes', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().units).toEqual([expect.objectContaining({ name: dotted, action: 'rolled-back' })]);
    const [{ channels, teams }] = await db.sql`select to_regclass('public.channels') as channels, to_regclass('public.teams') as teams`;
    expect(channels).toBeNull();
    expect(teams).toBe('teams');
    const st = await runCli([...args(project), 'status', '--json']);
    expect(st.json().units.find((u: { name: string }) => u.name === dotted).state).toBe('pending');
  });

  test('a unit may be named by its full dotted name', async () => {
    const run = await runCli([...args(project), 'up', dotted, '--json']);
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { action: string }) => u.action)).toEqual(['skipped', 'applied']);
  });
});

describe('file names that fit no layout', () => {
  test.each([
    ['notes.sql'],
    ['0001_has space.sql'],
    ['0001_trailing..sql'],
    ['R1__not_versioned.sql'],
  ])('%s is refused with exit 2, naming the file and the accepted names', async (file) => {
    const p = migrationsProject({ '0002_fine.v1.sql': 'select 1;\n', [file]: 'select 1;\n' });
    const run = await runCli([...args(p), 'status']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toContain('NNNN_name.sql (name: letters, digits, _, - and dots)');
    expect(run.stderr).toContain('.down.sql');
  });

  test('a companion without its migration is refused, not taken for a migration named x.down', async () => {
    const p = migrationsProject({ '0001_base.sql': 'select 1;\n', '0002_orphan.v2.down.sql': 'select 1;\n' });
    const run = await runCli([...args(p), 'status']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/0002_orphan\.v2\.down\.sql has no migration 0002_orphan\.v2\.sql beside it/);
  });
});
