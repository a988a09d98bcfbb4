import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('results');
});
afterAll(async () => db.drop());

const args = (p: { migrationsDir: string; phasesDir: string }) => ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];

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
