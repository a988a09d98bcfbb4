import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('results');
});
afterAll(async () => db.drop());

const args = (p: { migrationsDir: string; phasesDir: string }) => ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];

interface Row { unit: string; event: string; duration_ms: number | null; detail: { direction?: string; error?: string } | null }
const rowsOf = async (unit: string, event: string) =>
  db.sql<Row[]>`select unit, event, duration_ms, detail from migrate.history where unit = ${unit} and event = ${event} order by id`;

type UnitJson = { name: string; action: string; durationMs: number };

/** Each reported unit's durationMs next to the duration of its history row of that run. */
async function reportedAndRecorded(runId: string, units: UnitJson[], event: string) {
  const rows = await db.sql<{ unit: string; duration_ms: number }[]>`select unit, duration_ms from migrate.history where run_id = ${runId} and event = ${event}`;
  const recorded = new Map(rows.map((r) => [r.unit, r.duration_ms]));
  return units.map((u) => [u.name, u.durationMs, recorded.get(u.name)]);
}

describe('durations: the figure on screen is the figure in the history', () => {
  test('after up --json, each unit reports the duration of its history row, whatever path it ran', async () => {
    const p = migrationsProject({
      // Two one-trip units, the second sent while the first runs.
      '0001_trip_a.sql': 'create table trip_a (id int primary key);\nselect pg_sleep(0.05);\n',
      '0002_trip_b.sql': 'create table trip_b (id int primary key);\n',
      // A down step: its footprint is kept as the first step of its one-trip transaction.
      '0003_with_down.sql': 'create table with_down (id int primary key);\n',
      '0003_with_down.down.sql': 'drop table with_down;\n',
      // A verify hook: an adoption check first, then the unit.
      '0004_with_verify.sql': 'create table with_verify (id int primary key);\n',
      '0004_with_verify.verify.sql': "select 'with_verify exists' as check, to_regclass('public.with_verify') is not null as ok, 'missing' as detail\n",
      // Outside a transaction: timed by the runner.
      '0005_concurrent.sql': 'create index concurrently trip_a_id_idx on trip_a (id);\n',
    });
    const run = await runCli([...args(p), 'up', '--json']);
    expect(run.code).toBe(0);
    const body = run.json();
    expect(body.units.map((u: UnitJson) => u.action)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    const pairs = await reportedAndRecorded(body.runId, body.units, 'applied');
    for (const [, reported, recorded] of pairs) expect(reported).toBe(recorded);
    // pg_sleep(0.05) is inside the first unit's figure.
    expect(body.units[0].durationMs).toBeGreaterThanOrEqual(50);
  });

  test('inside --single-transaction each unit is timed from its own start, not from the run\'s', async () => {
    const p = migrationsProject({
      '0001_st_slow.sql': 'create table st_slow (id int);\nselect pg_sleep(0.3);\n',
      '0002_st_quick.sql': 'create table st_quick (id int);\n',
      '0003_st_down.sql': 'create table st_down (id int);\n',
      '0003_st_down.down.sql': 'drop table st_down;\n',
    });
    const run = await runCli([...args(p), 'up', '--single-transaction', '--json']);
    expect(run.code).toBe(0);
    const body = run.json();
    for (const [, reported, recorded] of await reportedAndRecorded(body.runId, body.units, 'applied')) expect(reported).toBe(recorded);
    const [slow, quick, down] = body.units as UnitJson[];
    expect(slow.durationMs).toBeGreaterThanOrEqual(300);
    // Measured from the transaction's start, these would include the first unit's 300 ms.
    expect(quick.durationMs).toBeLessThan(slow.durationMs);
    expect(down.durationMs).toBeLessThan(slow.durationMs);
  });

  test('a rollback reports the duration of its rolled_back row', async () => {
    const p = migrationsProject({
      '0001_rb.sql': 'create table rb (id int);\n',
      '0001_rb.down.sql': 'drop table rb;\nselect pg_sleep(0.05);\n',
    });
    expect((await runCli([...args(p), 'up'])).code).toBe(0);
    const run = await runCli([...args(p), 'rollback', '0001', '--yes', '--json']);
    expect(run.code).toBe(0);
    const [unit] = run.json().units;
    expect(unit.action).toBe('rolled-back');
    const [row] = await rowsOf('0001_rb', 'rolled_back');
    expect(unit.durationMs).toBe(row.duration_ms);
    expect(unit.durationMs).toBeGreaterThanOrEqual(50);
  });
});

describe('a failed attempt reports how long it ran', () => {
  test('a unit that fails after 300 ms reports that time, and so does its failed row', async () => {
    const p = migrationsProject({
      '0001_fails_late.sql': 'create table fails_late (id int);\nselect pg_sleep(0.3);\nselect 1 / 0;\n',
      '0002_after_late.sql': 'create table after_late (id int);\n',
    });
    const run = await runCli([...args(p), 'up', '--json']);
    expect(run.code).toBe(1);
    const [failed, after] = run.json().units;
    expect(failed).toMatchObject({ name: '0001_fails_late', action: 'failed', error: expect.stringMatching(/division by zero/) });
    expect(failed.durationMs).toBeGreaterThanOrEqual(300);
    expect(after).toMatchObject({ name: '0002_after_late', action: 'not-run', durationMs: 0, reason: 'not run: the run stopped at 0001_fails_late' });
    const [row] = await rowsOf('0001_fails_late', 'failed');
    expect(row.duration_ms).toBe(failed.durationMs);
    expect(row.detail).toMatchObject({ direction: 'up' });
  });

  test('in a single transaction too, where the failed row is written after the rollback', async () => {
    const p = migrationsProject({ '0001_st_fails.sql': 'select pg_sleep(0.3);\nselect 1 / 0;\n' });
    const run = await runCli([...args(p), 'up', '--single-transaction', '--json']);
    expect(run.code).toBe(1);
    const [failed] = run.json().units;
    expect(failed.action).toBe('failed');
    expect(failed.durationMs).toBeGreaterThanOrEqual(300);
    const [row] = await rowsOf('0001_st_fails', 'failed');
    expect(row.duration_ms).toBe(failed.durationMs);
  });

  test('a down step that fails after 200 ms reports that time; the unit stays applied and status says the rollback failed', async () => {
    const p = migrationsProject({
      '0001_bad_down.sql': 'create table bad_down (id int);\n',
      '0001_bad_down.down.sql': 'drop table bad_down;\nselect pg_sleep(0.2);\nselect 1 / 0;\n',
    });
    expect((await runCli([...args(p), 'up'])).code).toBe(0);
    const run = await runCli([...args(p), 'rollback', '0001', '--yes', '--json']);
    expect(run.code).toBe(1);
    const [failed] = run.json().units;
    expect(failed).toMatchObject({ name: '0001_bad_down', action: 'failed' });
    expect(failed.durationMs).toBeGreaterThanOrEqual(200);
    const [row] = await rowsOf('0001_bad_down', 'failed');
    expect(row.duration_ms).toBe(failed.durationMs);
    expect(row.detail).toMatchObject({ direction: 'down' });

    const st = await runCli([...args(p), 'status', '--json']);
    expect(st.json().units[0]).toMatchObject({ state: 'applied', lastAttempt: 'failed', lastError: expect.stringMatching(/division by zero/) });
    expect((await runCli([...args(p), 'status'])).stdout).toMatch(/applied .*0001_bad_down .*\(last rollback attempt failed, at \S+: .*division by zero/);
  });
});

describe('status shows a failed last attempt', () => {
  test('a pending unit whose last two attempts failed says so with its error; once applied, it no longer does', async () => {
    const p = migrationsProject({
      '0001_steady.sql': 'create table steady (id int);\n',
      '0002_flaky.sql': 'create table flaky (id int);\ninsert into flaky select 1 / 0;\n',
    });
    expect((await runCli([...args(p), 'up'])).code).toBe(1);
    expect((await runCli([...args(p), 'up'])).code).toBe(1);

    const st = await runCli([...args(p), 'status', '--json']);
    expect(st.code).toBe(0);
    const [steady, flaky] = st.json().units;
    expect(steady).toMatchObject({ name: '0001_steady', state: 'applied', lastAttempt: 'applied', lastError: null, failedAttempts: 0 });
    expect(flaky).toMatchObject({
      name: '0002_flaky', kind: 'migration', state: 'pending', appliedAt: null, checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
      lastAttempt: 'failed', lastError: expect.stringMatching(/0002_flaky \(up\) failed at .*0002_flaky\.sql:2:\d+: division by zero/),
      lastAttemptAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), failedAttempts: 2,
    });
    const text = await runCli([...args(p), 'status']);
    expect(text.stdout).toMatch(/pending +migration +0002_flaky +\(last attempt failed 2×, at \d{4}-\S+Z: .*division by zero/);
    expect(text.stdout).toMatch(/1 applied, 1 pending, 1 whose last attempt failed/);

    p.write('0002_flaky.sql', 'create table flaky (id int);\n');
    expect((await runCli([...args(p), 'up'])).code).toBe(0);
    const after = (await runCli([...args(p), 'status', '--json'])).json().units[1];
    expect(after).toMatchObject({ name: '0002_flaky', state: 'applied', lastAttempt: 'applied', lastError: null, failedAttempts: 0 });
    expect((await runCli([...args(p), 'status'])).stdout).not.toMatch(/last attempt failed/);
  });

  test('a unit never attempted has no last attempt', async () => {
    const p = migrationsProject({ '0001_untouched.sql': 'create table untouched (id int);\n' });
    const [u] = (await runCli([...args(p), 'status', '--json'])).json().units;
    expect(u).toMatchObject({ state: 'pending', lastAttempt: null, lastError: null, lastAttemptAt: null });
  });
});
