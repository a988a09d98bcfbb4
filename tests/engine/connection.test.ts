import postgres from 'postgres';
import { adminUrl, freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';
import { freePort } from '../../src/db/embedded';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('conn');
});
afterAll(async () => {
  await db.drop();
});

const project = migrationsProject({ '0001_a.sql': 'create table a (id int);\n' });
const dirs = ['--migrations-dir', project.migrationsDir, '--phases-dir', project.phasesDir];
const SECRET = 'Sekr3t-Passw0rd';

function expectNoSecret(run: { stdout: string; stderr: string }) {
  expect(run.stdout + run.stderr).not.toContain(SECRET);
}

describe('bad connections: one clear line each, exit 2, nothing written', () => {
  test('malformed URL', async () => {
    const run = await runCli([...dirs, '--database-url', `postgres://bob:${SECRET}@host:notaport/db`, 'up']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: invalid database URL/);
    expectNoSecret(run);
  });

  test('not a postgres URL', async () => {
    const run = await runCli([...dirs, '--database-url', `mysql://bob:${SECRET}@localhost/db`, 'up']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/scheme "mysql"/);
    expectNoSecret(run);
  });

  test('refused connection', async () => {
    const port = await freePort();
    const run = await runCli([...dirs, '--database-url', `postgres://postgres:${SECRET}@127.0.0.1:${port}/x`, 'up']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error: connection refused by 127\\.0\\.0\\.1:${port}`));
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(2); // the line and its hint
    expectNoSecret(run);
  });

  test('unknown database', async () => {
    const u = new URL(adminUrl());
    u.pathname = '/no_such_database_here';
    const run = await runCli([...dirs, '--database-url', u.toString(), 'up']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: database "no_such_database_here" does not exist/);
  });

  test('wrong password (on a server that checks passwords)', async () => {
    const u = new URL(adminUrl());
    u.password = SECRET;
    u.pathname = `/${db.name}`;
    const probe = postgres(u.toString(), { max: 1, onnotice: () => undefined });
    const trusts = await probe`select 1`.then(() => true, () => false);
    await probe.end();
    if (trusts) {
      // A trust-auth server (like the CI machine's PostgreSQL 15) accepts any password: nothing to refuse.
      console.warn('wrong-password case not exercised: this server uses trust authentication');
      return;
    }
    const run = await runCli([...dirs, '--database-url', u.toString(), 'up']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: password authentication failed for user "postgres"/);
    expectNoSecret(run);
  });

  test('password from the URL never reaches output, even on success', async () => {
    const u = new URL(db.url);
    u.password = u.password || SECRET;
    const run = await runCli([...dirs, '--database-url', u.toString(), 'status', '--log-level', 'debug']);
    expect(run.code).toBe(0);
    if (u.password) expect(run.stdout + run.stderr).not.toContain(u.password);
  });

  test('nothing was written by the failed attempts', async () => {
    const [r] = await db.sql`select to_regnamespace('migrate') as schema`;
    expect(r.schema).toBeNull();
  });

  test('no database given at all', async () => {
    const run = await runCli([...dirs, 'up']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no database given/);
  });
});
