import { PassThrough } from 'node:stream';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';
import { SHIPPED } from '../harness/project';
import { main } from '../../src/cli';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('guards');
});
afterAll(async () => db.drop());

describe('guards before anything changes', () => {
  test('a unit with its own BEGIN/COMMIT is refused with exit 3, naming file and line', async () => {
    const p = migrationsProject({ '0001_own_tx.sql': 'create table t1 (id int);\nCOMMIT;\ncreate table t2 (id int);\n' });
    const run = await runCli(['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/controls its own transaction/);
    expect(run.stderr).toMatch(/0001_own_tx\.sql:2: COMMIT/);
    const [{ t1 }] = await db.sql`select to_regclass('public.t1') as t1`;
    expect(t1).toBeNull();
  });

  test('on a terminal, remediate shows the plan and changes nothing when the answer is no', async () => {
    expect((await runCli(['--database-url', db.url, 'baseline'])).code).toBe(0);
    const ask = async (answer: string) => {
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let err = '';
      stderr.on('data', (d) => (err += d));
      stdout.resume();
      const done = main(['--database-url', db.url, ...SHIPPED, 'remediate', '--to', '01'], { stdin, stdout, stderr, env: {}, interactive: true });
      stdin.write(`${answer}\n`);
      return { code: await done, err };
    };
    const no = await ask('n');
    expect(no.err).toMatch(/Target: database t_guards_\w+ on 127\.0\.0\.1:\d+ as \w+ \(PostgreSQL \d+/);
    expect(no.err).toMatch(/The plan:[\s\S]*→ apply {2}01-organization[\s\S]*Apply 1 unit\(s\) on t_guards_\w+ at 127\.0\.0\.1:\d+\? \[y\/N\]/);
    expect(no.code).toBe(3);
    expect(no.err).toMatch(/declined at the prompt; nothing was changed/);
    const [{ org }] = await db.sql`select to_regclass('public.organization') as org`;
    expect(org).toBeNull();

    const yes = await ask('y');
    expect(yes.code).toBe(0);
    const [{ org: after }] = await db.sql`select to_regclass('public.organization') is not null as org`;
    expect(after).toBe(true);
  });
});
