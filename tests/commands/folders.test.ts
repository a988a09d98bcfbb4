import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runBin } from '../harness/bin';
import { ROOT } from '../harness/project';
import { tempDir } from '../harness/tmp';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('folders');
});
afterAll(async () => db.drop());

/** Another team's project: a migrations folder with a down step, and no phases folder. */
function otherProject(): { dir: string; migrations: string } {
  const dir = tempDir('other-app-');
  const migrations = path.join(dir, 'database', 'migrations');
  mkdirSync(migrations, { recursive: true });
  writeFileSync(path.join(migrations, '0001_accounts.sql'), 'create table accounts (id bigint primary key);\n');
  writeFileSync(path.join(migrations, '0001_accounts.down.sql'), 'drop table accounts;\n');
  writeFileSync(path.join(migrations, '0002_notes.sql'), 'create table notes (id bigint primary key, account_id bigint references accounts);\n');
  writeFileSync(path.join(migrations, '0002_notes.down.sql'), 'drop table notes;\n');
  return { dir, migrations };
}

const env = () => ({ DATABASE_URL: db.url });

describe('another project\'s folder never drags in this project\'s phases', () => {
  test('from inside this checkout, every command on --migrations-dir sees only that folder', async () => {
    const other = otherProject();
    const m = ['--migrations-dir', other.migrations];
    const plan = await runBin([...m, 'plan', '--json'], { env: env() });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout).units.map((u: { name: string }) => u.name)).toEqual(['0001_accounts', '0002_notes']);

    const up = await runBin([...m, 'up', '--json'], { env: env() });
    expect(up.code).toBe(0);
    const status = await runBin([...m, 'status', '--json'], { env: env() });
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).units.map((u: { name: string; state: string }) => `${u.name} ${u.state}`)).toEqual(['0001_accounts applied', '0002_notes applied']);

    const verify = await runBin([...m, 'verify', '--json'], { env: env() });
    expect(verify.stderr).not.toMatch(/phase|wraps/);
    expect([0, 4]).toContain(verify.code);
    const checked = JSON.parse(verify.stdout).tasks.flatMap((t: { checks: Array<{ unit?: string }> }) => t.checks.map((c) => c.unit)).filter(Boolean);
    expect(checked.every((u: string) => u.startsWith('000'))).toBe(true);

    const rollback = await runBin([...m, 'rollback', '0002', '--yes', '--json'], { env: env() });
    expect(rollback.stderr).toBe('');
    expect(rollback.code).toBe(0);
    expect(JSON.parse(rollback.stdout).units).toMatchObject([{ name: '0002_notes', action: 'rolled-back' }]);
  });

  test('in a project without a phases folder, every command works from its own folder', async () => {
    const other = otherProject();
    const [{ n }] = await db.sql`select count(*)::int as n from migrate.history`;
    for (const [args, code] of [[['status'], 0], [['plan'], 0], [['up'], 0], [['status'], 0], [['verify'], 0], [['rollback', '0002', '--yes'], 0], [['up'], 0]] as Array<[string[], number]>) {
      const run = await runBin(args, { cwd: other.dir, env: env() });
      // up and rollback print their progress on stderr (its header, a start and an end line per unit); nothing else may be there.
      const stderr = run.stderr.split('\n').filter((l) => l && !/^(migrate (up|rollback) {2}run [0-9a-f-]{36}|started \S+Z: \d+ unit\(s\) to run|\[\d+\/\d+\] \S+ {2}.*)$/.test(l));
      expect({ args, stderr, code: run.code }).toEqual({ args, stderr: [], code });
    }
    const [{ m }] = await db.sql`select count(*)::int as m from migrate.history`;
    expect(m).toBeGreaterThan(n);

    const remediate = await runBin(['remediate', '--yes'], { cwd: other.dir, env: env() });
    expect(remediate.code).toBe(2);
    expect(remediate.stderr).toMatch(/^error: this project has no phases folder, so there is no remediation sequence to run\nhint: pass --phases-dir/);
  });

  test('a --phases-dir that does not exist is an error, not an empty sequence', async () => {
    const run = await runBin(['--phases-dir', path.join(ROOT, 'no-such-phases'), 'status'], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/phases folder .*no-such-phases does not exist/);
  });
});
