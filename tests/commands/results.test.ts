import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import postgres from 'postgres';
import { main } from '../../src/cli';
import { parseWindowEnd } from '../../src/commands/run-flags';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';
import { copyOfShipped, SHIPPED } from '../harness/project';
import { tempDir } from '../harness/tmp';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('results');
});
afterAll(async () => db.drop());

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Two units with down steps; `tag` keeps their names and tables apart from other tests' in this database. */
function twoUnits(tag: string) {
  const p = migrationsProject({
    [`0001_a${tag}.sql`]: `create table res_a${tag} (id int);\n`,
    [`0001_a${tag}.down.sql`]: `drop table res_a${tag};\n`,
    [`0002_b${tag}.sql`]: `create table res_b${tag} (id int);\n`,
    [`0002_b${tag}.down.sql`]: `drop table res_b${tag};\n`,
  });
  return { p, flags: ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir] };
}

describe('a run refused before its first unit still has the run shape under --json', () => {
  const refusal = (dryRun: boolean, exitCode: number, message: RegExp) => ({
    ok: false, dryRun, runId: expect.stringMatching(RUN_ID), units: [],
    error: { message: expect.stringMatching(message), exitCode, hint: expect.any(String) },
  });

  test('unknown unit, dependants, data loss, connection', async () => {
    const { flags } = twoUnits('r');
    expect((await runCli([...flags, 'up'])).code).toBe(0);

    const unknown = await runCli([...flags, 'rollback', '0042', '--yes', '--json']);
    expect(unknown.code).toBe(2);
    expect(unknown.json()).toMatchObject(refusal(false, 2, /unknown unit "0042"/));

    const dependants = await runCli([...flags, 'rollback', '0001', '--yes', '--json']);
    expect(dependants.code).toBe(3);
    expect(dependants.json()).toMatchObject(refusal(false, 3, /applied units depend on it: 0002_br/));

    await db.sql`insert into res_br values (1), (2)`;
    const loss = await runCli([...flags, 'rollback', '0002', '--dry-run', '--json']);
    expect(loss.code).toBe(3);
    expect(loss.json()).toMatchObject({ ...refusal(true, 3, /res_br holds 2 rows/), error: { details: ['0002_br: public.res_br: 2 rows'] } });

    const down = await runCli(['--database-url', 'postgres://postgres@127.0.0.1:1/nothing', '--migrations-dir', flags[3], 'up', '--json']);
    expect(down.code).toBe(2);
    expect(down.json()).toMatchObject(refusal(false, 2, /127\.0\.0\.1:1/));
    expect(down.stderr).toBe('');
  });

  test('another runner holding the lock', async () => {
    const p = migrationsProject({ '0001_slow.sql': 'select pg_sleep(2);\n' });
    const flags = ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];
    const first = runCli([...flags, 'up']);
    await new Promise((r) => setTimeout(r, 700));
    const second = await runCli([...flags, 'up', '--json', '--lock-wait', '200ms']);
    expect(second.code).toBe(5);
    expect(second.json()).toMatchObject(refusal(false, 5, /another runner holds the migration lock/));
    expect((await first).code).toBe(0);
  });

  test('a command that fails before its shape prints only {"ok":false,"error"}', async () => {
    const run = await runCli(['--database-url', 'postgres://postgres@127.0.0.1:1/nothing', 'status', '--json']);
    expect(run.code).toBe(2);
    expect(Object.keys(run.json())).toEqual(['ok', 'error']);
  });
});

describe('what a run says', () => {
  test('a dry run says what would have happened; JSON keeps the action and dryRun', async () => {
    const { flags } = twoUnits('d');
    const text = await runCli([...flags, 'up', '--dry-run']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/✓ would apply +0001_ad/);
    expect(text.stdout).not.toMatch(/✓ applied/);
    expect(text.stdout).toMatch(/dry run succeeded, nothing was changed: 2 would apply/);
    const json = await runCli([...flags, 'up', '--dry-run', '--json']);
    expect(json.json()).toMatchObject({ ok: true, dryRun: true, units: [{ name: '0001_ad', action: 'applied' }, { name: '0002_bd', action: 'applied' }] });
    const [{ t }] = await db.sql`select to_regclass('public.res_ad') as t`;
    expect(t).toBeNull();
  });

  test('the run id is printed at the start and at the end', async () => {
    const { flags } = twoUnits('i');
    const run = await runCli([...flags, 'up']);
    const ids = run.stdout.match(/run ([0-9a-f-]{36})/g) ?? [];
    expect(ids.length).toBe(2);
    expect(run.stdout.split('\n')[0]).toContain(ids[0]);
    expect(run.stdout.trim().split('\n').at(-1)).toContain(ids[0]);
    expect(new Set(ids).size).toBe(1);
  });

  test('--log-file records info lines without --log-level', async () => {
    const { flags } = twoUnits('l');
    const log = path.join(tempDir('log-'), 'run.log');
    expect((await runCli([...flags, 'up', '--log-file', log])).code).toBe(0);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.level === 30).map((l) => l.msg)).toEqual(expect.arrayContaining(['applying']));
    expect(lines.some((l) => l.unit === '0002_bl' && typeof l.durationMs === 'number')).toBe(true);
  });

  test('a server NOTICE goes to the log file, not to the screen', async () => {
    const p = migrationsProject({ '0001_n.sql': "create table if not exists res_n (id int);\ndo $$ begin raise notice 'unrelated server notice'; end $$;\n" });
    const log = path.join(tempDir('log-'), 'run.log');
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d) => (err += d));
    const stdout = new PassThrough();
    stdout.resume();
    // On a terminal the progress lines are on stderr: the notice must not be among them.
    const code = await main(['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--log-file', log], { stdout, stderr, env: {}, interactive: true });
    expect(code).toBe(0);
    expect(err).toMatch(/^\[1\/1\] 0001_n +applied/m);
    expect(err).not.toMatch(/unrelated server notice/);
    expect(readFileSync(log, 'utf8')).toMatch(/unrelated server notice/);
  });
});

describe('plan and window', () => {
  test('plan BLOCKED on the baseline points to plan --remediate', async () => {
    const base = await freshDatabase('results_plan');
    try {
      expect((await runCli(['--database-url', base.url, 'baseline'])).code).toBe(0);
      const run = await runCli(['--database-url', base.url, ...SHIPPED, 'plan']);
      expect(run.code).toBe(3);
      expect(run.stdout).toMatch(/\nhint: .*`migrate plan --remediate`/);
      // Another folder of the same migrations: no phases come with it, so no remediation to point to.
      const blocked = await runCli(['--database-url', base.url, '--migrations-dir', copyOfShipped().migrationsDir, 'plan']);
      expect(blocked.code).toBe(3);
      expect(blocked.stdout).not.toMatch(/plan --remediate/);
    } finally {
      await base.drop();
    }
  });

  test('--window-end HH:MM is the next such clock time; 25:00 is refused', async () => {
    const at = (h: number, m: number) => new Date(2026, 11, 1, h, m);
    expect(parseWindowEnd('02:30', at(23, 50)).getTime()).toBe(new Date(2026, 11, 2, 2, 30).getTime());
    expect(parseWindowEnd('23:59', at(23, 50)).getTime()).toBe(new Date(2026, 11, 1, 23, 59).getTime());
    const { flags } = twoUnits('w');
    const run = await runCli([...flags, 'up', '--window-end', '25:00']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--window-end "25:00" is not a clock time/);
    const past = await runCli([...flags, 'up', '--window-end', '2020-01-01T00:00:00Z', '--json']);
    expect(past.code).toBe(3);
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      const [{ t }] = await sql`select to_regclass('public.res_aw') as t`;
      expect(t).toBeNull();
    } finally {
      await sql.end();
    }
  });
});
