import { freshDatabase, type TestDatabase } from '../harness/database';
import { runBin, runOnTerminal } from '../harness/bin';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';
import { SHIPPED } from '../harness/project';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('confirm');
  expect((await runCli(['--database-url', db.url, 'baseline'])).code).toBe(0);
});
afterAll(async () => db.drop());

const exists = async (rel: string) => (await db.sql`select to_regclass(${rel}) is not null as e`)[0].e as boolean;
const flags = () => ['--database-url', db.url, ...SHIPPED].map((f) => `'${f}'`).join(' ');

describe('remediate and rollback change production only after a yes', () => {
  test('on a terminal, remediate shows the target and the plan, and "n" changes nothing', async () => {
    const run = await runOnTerminal(`migrate ${flags()} remediate --to 01`, { input: 'n\n' });
    expect(run.stdout).toMatch(new RegExp(`Target: database ${db.name} on 127\\.0\\.0\\.1:\\d+ as \\w+ \\(PostgreSQL \\d+\\.\\d+`));
    expect(run.stdout).toMatch(/→ apply {2}01-organization/);
    expect(run.stdout).toMatch(new RegExp(`Apply 1 unit\\(s\\) on ${db.name} at 127\\.0\\.0\\.1:\\d+\\? \\[y/N\\]`));
    expect(run.stdout).toMatch(/declined at the prompt; nothing was changed/);
    expect(run.code).toBe(3);
    expect(await exists('public.organization')).toBe(false);
  });

  test('piped into tee (stdout not a terminal), remediate refuses with exit 2 and changes nothing', async () => {
    const run = await runOnTerminal(`set -o pipefail; migrate ${flags()} remediate --to 01 | cat`, { env: { SHELL: '/bin/bash' } });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/standard output is not a terminal; nothing was changed/);
    expect(run.stdout).toMatch(/pass --yes/);
    expect(await exists('public.organization')).toBe(false);
  });

  test('without a terminal, remediate refuses unless --yes; --dry-run needs no yes', async () => {
    const refused = await runBin(['--database-url', db.url, ...SHIPPED, 'remediate', '--to', '01'], { input: '' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: migrate remediate changes the database and asks first, but standard input is not a terminal; nothing was changed\nhint: .*--yes/);
    expect(await exists('public.organization')).toBe(false);
    const dry = await runBin(['--database-url', db.url, ...SHIPPED, 'remediate', '--to', '01', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(await exists('public.organization')).toBe(false);
    const yes = await runBin(['--database-url', db.url, ...SHIPPED, 'remediate', '--to', '01', '--yes']);
    expect(yes.code).toBe(0);
    expect(await exists('public.organization')).toBe(true);
  });

  test('rollback asks on a terminal, refuses without one, and takes --yes', async () => {
    const p = migrationsProject({ '0001_t.sql': 'create table confirm_t (id int);\n', '0001_t.down.sql': 'drop table confirm_t;\n' });
    const dirs = ['--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];
    expect((await runCli(['--database-url', db.url, ...dirs, 'up'])).code).toBe(0);

    const asked = await runOnTerminal(`migrate --database-url '${db.url}' --migrations-dir '${p.migrationsDir}' --phases-dir '${p.phasesDir}' rollback 0001`, { input: 'n\n' });
    expect(asked.stdout).toMatch(/Target: database \w+ on 127\.0\.0\.1/);
    expect(asked.stdout).toMatch(/Will roll back, newest first:\s+↶ 0001_t/);
    expect(asked.stdout).toMatch(/Roll back 1 unit\(s\) on \w+ at 127\.0\.0\.1:\d+\? \[y\/N\]/);
    expect(asked.code).toBe(3);
    expect(await exists('public.confirm_t')).toBe(true);

    const refused = await runCli(['--database-url', db.url, ...dirs, 'rollback', '0001', '--json']);
    expect(refused.code).toBe(2);
    expect(refused.json()).toMatchObject({ ok: false, dryRun: false, units: [], error: { exitCode: 2, message: expect.stringMatching(/asks first/) } });
    expect(await exists('public.confirm_t')).toBe(true);

    const yes = await runCli(['--database-url', db.url, ...dirs, 'rollback', '0001', '--yes', '--json']);
    expect(yes.code).toBe(0);
    expect(yes.json().units).toMatchObject([{ name: '0001_t', action: 'rolled-back' }]);
    expect(await exists('public.confirm_t')).toBe(false);
  });

  test('on a terminal, "y" applies', async () => {
    const run = await runOnTerminal(`migrate ${flags()} remediate --to 02`, { input: 'y\n' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Apply 1 unit\(s\)/);
    expect(await exists('auth.users_extended')).toBe(true);
  });
});
