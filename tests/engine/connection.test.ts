import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { adminUrl, freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';
import { tempDir } from '../harness/tmp';
import { startPasswordGate } from '../harness/password-gate';
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
/** The one password the gate accepts (tests/harness/password-gate.ts). */
const GATE_PASSWORD = 'g4te:pass\\word';
const ADMIN_USER = decodeURIComponent(new URL(process.env.MIGRATE_TEST_ADMIN_URL ?? 'postgres://postgres@x').username);

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

  test('wrong password, on a loopback gate that checks passwords whatever the server behind it does', async () => {
    const gate = await startPasswordGate(adminUrl(), { [ADMIN_USER]: GATE_PASSWORD });
    try {
      const run = await runCli([...dirs, '--database-url', gate.url(db.name, SECRET), 'up', '--log-level', 'debug']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^error: password authentication failed for user "${ADMIN_USER}" at 127\\.0\\.0\\.1:${gate.port}`, 'm'));
      expect(gate.attempts().length).toBeGreaterThan(0);
      expect(gate.attempts().filter((a) => a.ok)).toEqual([]);
      expectNoSecret(run);
    } finally {
      await gate.close();
    }
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

describe('the password from PGPASSFILE / ~/.pgpass, through a gate that demands it', () => {
  let gate: Awaited<ReturnType<typeof startPasswordGate>>;
  beforeAll(async () => {
    gate = await startPasswordGate(adminUrl(), { [ADMIN_USER]: GATE_PASSWORD });
  });
  afterAll(async () => gate.close());

  /** One pgpass line for the gate, with libpq's escapes for : and \ in the password. */
  const line = (password: string, host = '127.0.0.1') => `${host}:${gate.port}:*:${ADMIN_USER}:${password.replace(/([:\\])/g, '\\$1')}\n`;
  const passfile = (text: string, mode = 0o600) => {
    const file = path.join(tempDir('migrate-pgpass-'), 'pgpass');
    writeFileSync(file, text);
    chmodSync(file, mode);
    return file;
  };
  const home = (text: string) => {
    const dir = tempDir('migrate-home-');
    writeFileSync(path.join(dir, '.pgpass'), text, { mode: 0o600 });
    return dir;
  };
  const status = (env: NodeJS.ProcessEnv, url = gate.url(db.name)) => runCli([...dirs, '--database-url', url, 'status', '--log-level', 'debug'], env);
  const noPassword = (run: { stdout: string; stderr: string }) => expect(run.stdout + run.stderr).not.toContain(GATE_PASSWORD);

  test('without a password the gate refuses: exit 2, one line naming where a password can come from', async () => {
    const run = await runCli([...dirs, '--database-url', gate.url(db.name), 'status'], { HOME: tempDir('migrate-home-') });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: password authentication failed for user/);
    expect(run.stderr).toMatch(/hint: check the password \(the URL, PGPASSWORD, or PGPASSFILE \/ ~\/\.pgpass\)/);
  });

  test('a 0600 PGPASSFILE line for this host and port is used, among lines for others, and never printed', async () => {
    const file = passfile(`# other servers first\n10.0.0.1:${gate.port}:*:${ADMIN_USER}:wrong\n127.0.0.1:1:*:${ADMIN_USER}:wrong\n${line(GATE_PASSWORD)}`);
    const run = await status({ PGPASSFILE: file, HOME: tempDir('migrate-home-') });
    expect(run.code).toBe(0);
    expect(gate.attempts().at(-1)).toEqual({ user: ADMIN_USER, ok: true });
    noPassword(run);
  });

  test('~/.pgpass is read when PGPASSFILE is not set', async () => {
    const run = await status({ HOME: home(line(GATE_PASSWORD)) });
    expect(run.code).toBe(0);
    noPassword(run);
  });

  test('PGPASSFILE overrides ~/.pgpass', async () => {
    const run = await status({ HOME: home(line(GATE_PASSWORD)), PGPASSFILE: passfile(line('not-the-password')) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: password authentication failed/);
    expect(run.stderr).toMatch(/hint: the password came from .*pgpass: check its line for this host, port, database and user/);
    expect(run.stdout + run.stderr).not.toContain('not-the-password');
  });

  test('a group-readable pgpass file is ignored, with libpq\'s warning', async () => {
    const file = passfile(line(GATE_PASSWORD), 0o640);
    const run = await runCli([...dirs, '--database-url', gate.url(db.name), 'status'], { PGPASSFILE: file });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`warning: password file "${file}" has group or world access; permissions should be u=rw (0600) or less`);
    expect(run.stderr).toMatch(/^error: password authentication failed/m);
    noPassword(run);
  });

  test('a password in the URL (or PGPASSWORD) beats the pgpass file', async () => {
    const right = passfile(line(GATE_PASSWORD));
    const wrong = passfile(line('not-the-password'));
    expect((await status({ PGPASSFILE: right }, gate.url(db.name, 'url-password'))).code).toBe(2);
    expect((await status({ PGPASSFILE: right, PGPASSWORD: 'env-password' })).code).toBe(2);
    const url = await status({ PGPASSFILE: wrong }, gate.url(db.name, GATE_PASSWORD));
    expect(url.code).toBe(0);
    noPassword(url);
    const env = await status({ PGPASSFILE: wrong, PGPASSWORD: GATE_PASSWORD });
    expect(env.code).toBe(0);
    noPassword(env);
  });
});

describe('closing', () => {
  test('a read-only command does not wait for the server to end its session, yet leaves none behind', async () => {
    const run = await runCli([...dirs, '--database-url', db.url, 'status', '--json']);
    expect(run.code).toBe(0);
    // Its goodbye was sent: the server ends the session by itself, shortly after.
    const left = async () => (await db.sql`select count(*)::int as n from pg_stat_activity where datname = ${db.name} and application_name like 'migrate%'`)[0].n as number;
    let n = await left();
    for (let i = 0; i < 100 && n > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      n = await left();
    }
    expect(n).toBe(0);
  });
});
