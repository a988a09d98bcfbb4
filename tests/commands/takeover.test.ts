import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runBin } from '../harness/bin';
import { runCli } from '../harness/cli';
import { layoutFolder } from '../harness/layout-project';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('takeover');
});
afterAll(async () => db.drop());

describe('repair after a reviewed edit', () => {
  const folder = layoutFolder({ '0001_a.sql': 'create table ra (id int primary key);\n', '0001_a.down.sql': 'drop table ra;\n' });
  const cli = (...rest: string[]) => runCli(['--database-url', db.url, '--migrations-dir', folder.migrationsDir, ...rest]);

  test('drift blocks up (exit 3); repair records the new checksum with the old one and who; then up runs', async () => {
    expect((await cli('up')).code).toBe(0);
    const [{ before }] = await db.sql`select checksum as before from migrate.history where unit = '0001_a' and event = 'applied'`;
    folder.write('0001_a.sql', '-- reviewed: a comment added after the fact\ncreate table ra (id int primary key);\n');
    folder.write('0002_b.sql', 'create table rb (id int primary key);\n');
    const blocked = await cli('up');
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toContain('drift');

    expect((await cli('repair', '0001')).code).toBe(2); // no terminal, no --yes: asks first, so refuses
    const repaired = await cli('repair', '0001', '--yes', '--json');
    expect(repaired.code).toBe(0);
    expect(repaired.json()).toMatchObject({ repaired: true, oldChecksum: before });
    const [row] = await db.sql`select checksum, db_user, detail from migrate.history where event = 'repaired'`;
    expect(row.detail).toMatchObject({ oldChecksum: before, newChecksum: row.checksum });
    expect(row.checksum).not.toBe(before);
    expect(row.db_user).toBe((await db.sql`select current_user as u`)[0].u);

    const st = (await cli('status', '--json')).json().units;
    expect(st.map((u: { name: string; state: string }) => `${u.name} ${u.state}`)).toEqual(['0001_a applied', '0002_b pending']);
    const up = await cli('up', '--json');
    expect(up.code).toBe(0);
    expect(up.json().units.map((u: { action: string }) => u.action)).toEqual(['skipped', 'applied']);
  });

  test('repair clears a failed last attempt', async () => {
    folder.write('0003_c.sql', 'create table rc (id int primary key);\nselect 1/0;\n');
    expect((await cli('up')).code).toBe(1);
    const failed = (await cli('status', '--json')).json().units.find((u: { name: string }) => u.name === '0003_c');
    expect(failed).toMatchObject({ lastAttempt: 'failed', failedAttempts: 1 });
    expect((await cli('repair', '0003_c', '--yes')).code).toBe(0);
    const cleared = (await cli('status', '--json')).json().units.find((u: { name: string }) => u.name === '0003_c');
    expect(cleared).toMatchObject({ state: 'pending', lastAttempt: 'repaired', failedAttempts: 0, lastError: null });
  });

  test('nothing to repair records nothing', async () => {
    const run = await cli('repair', '0002', '--yes', '--json');
    expect(run.code).toBe(0);
    expect(run.json().repaired).toBe(false);
    const [{ n }] = await db.sql`select count(*)::int as n from migrate.history where unit = '0002_b' and event = 'repaired'`;
    expect(n).toBe(0);
  });

  test('log: newest first, with run id, who, from where, when; --unit and --limit', async () => {
    const all = (await cli('log', '--json')).json().events;
    expect(all[0].event).toBe('repaired');
    expect(all[0]).toEqual(expect.objectContaining({ unit: '0003_c', runId: expect.any(String), dbUser: expect.any(String), at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }));
    const ids = all.map((e: { id: number }) => e.id);
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);
    const oneRun = await cli('log', '--unit', '0001', '--json');
    expect(oneRun.stderr).toBe('');
    const one = oneRun.json().events;
    expect(one.map((e: { event: string }) => e.event)).toEqual(['repaired', 'applied']);
    expect((await cli('log', '--limit', '2', '--json')).json().events).toHaveLength(2);
    const text = await cli('log', '--limit', '3');
    expect(text.stdout).toMatch(/repaired +0003_c +run [0-9a-f]{8} +by \w+/);
  });
});

describe('migrate.config.json', () => {
  test('the file alone runs up: its databaseUrl and migrationsDir, no flags', async () => {
    const folder = layoutFolder({ '0001_cfg.sql': 'create table cfg (id int);\n' });
    writeFileSync(path.join(folder.dir, 'migrate.config.json'), JSON.stringify({ databaseUrl: db.url, migrationsDir: 'migrations', lockTimeout: '2s' }));
    // The environment's DATABASE_URL loses to the file.
    const run = await runBin(['up', '--json'], { cwd: folder.dir, env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing' } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).units.map((u: { name: string }) => u.name)).toEqual(['0001_cfg']);
    const [{ t }] = await db.sql`select to_regclass('public.cfg') as t`;
    expect(t).toBe('cfg');
  });

  test('a flag wins over the file; --config names another file', async () => {
    const folder = layoutFolder({ '0001_x.sql': 'select 1;\n' });
    writeFileSync(path.join(folder.dir, 'other.json'), JSON.stringify({ databaseUrl: db.url, migrationsDir: 'nowhere' }));
    const fromFile = await runBin(['status', '--config', 'other.json'], { cwd: folder.dir });
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain('nowhere');
    const flagWins = await runBin(['status', '--config', 'other.json', '--migrations-dir', 'migrations', '--json'], { cwd: folder.dir });
    expect(flagWins.code).toBe(0);
    expect(JSON.parse(flagWins.stdout).units.map((u: { name: string }) => u.name)).toContain('0001_x');
  });

  test('an unknown key is exit 2, naming it; a key of another command is not', async () => {
    const folder = layoutFolder({});
    writeFileSync(path.join(folder.dir, 'migrate.config.json'), JSON.stringify({ databaseUrl: db.url, migrationDir: 'migrations' }));
    const run = await runBin(['status'], { cwd: folder.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"migrationDir"');
    writeFileSync(path.join(folder.dir, 'migrate.config.json'), JSON.stringify({ databaseUrl: db.url, migrationsDir: 'migrations', windowEnd: '23:59' }));
    expect((await runBin(['status'], { cwd: folder.dir })).code).toBe(0);
  });
});

describe('migrate new NAME', () => {
  test.each([
    ['native', { '0009_a.sql': 'select 1;\n' }, ['0010_add_email.down.sql', '0010_add_email.sql']],
    ['golang-migrate', { '000041_a.up.sql': 'select 1;\n' }, ['000042_add_email.down.sql', '000042_add_email.up.sql']],
    ['flyway', { 'V1.2__a.sql': 'select 1;\n' }, ['U1.3__add_email.sql', 'V1.3__add_email.sql']],
    ['diesel (numbered)', { '0007_a/up.sql': 'select 1;\n' }, ['0008_add_email']],
  ])('%s: the next number, same width, in the folder\'s layout', async (_layout, files, expected) => {
    const folder = layoutFolder(files);
    const run = await runCli(['--migrations-dir', folder.migrationsDir, 'new', 'add_email']);
    expect(run.code).toBe(0);
    const made = readdirSync(folder.migrationsDir).filter((f) => !Object.keys(files).some((k) => k.split('/')[0] === f));
    expect(made.sort()).toEqual(expected);
    // What it wrote is read back as one more unit of the same layout.
    const st = await runCli(['--database-url', db.url, '--migrations-dir', folder.migrationsDir, 'status', '--json']);
    expect(st.json().units).toHaveLength(2);
  });

  test('dbmate: numbered by the time, as dbmate new does, with both sections', async () => {
    const folder = layoutFolder({ '20200101000000_a.sql': '-- migrate:up\nselect 1;\n-- migrate:down\nselect 1;\n' });
    const run = await runCli(['--migrations-dir', folder.migrationsDir, 'new', 'add_email', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().layout).toBe('dbmate');
    expect(Number(run.json().version)).toBeGreaterThan(20200101000000);
    expect(existsSync(path.join(folder.migrationsDir, `${run.json().version}_add_email.sql`))).toBe(true);
  });

  test('an empty folder starts native at 0001, or the layout asked for; a bad name is exit 2', async () => {
    const folder = layoutFolder({});
    expect((await runCli(['--migrations-dir', folder.migrationsDir, 'new', 'first', '--json'])).json().files.map((f: string) => path.basename(f))).toEqual(['0001_first.sql', '0001_first.down.sql']);
    const other = layoutFolder({});
    expect((await runCli(['--migrations-dir', other.migrationsDir, 'new', 'first', '--layout', 'flyway', '--json'])).json().files.map((f: string) => path.basename(f))).toEqual(['V1__first.sql', 'U1__first.sql']);
    expect((await runCli(['--migrations-dir', other.migrationsDir, 'new', 'has space'])).code).toBe(2);
  });
});
