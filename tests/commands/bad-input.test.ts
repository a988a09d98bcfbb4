import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { adminUrl, freshDatabase, type TestDatabase } from '../harness/database';
import { runCli, type CliRun } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';
import { BIN, runBin } from '../harness/bin';
import { ROOT, SHIPPED } from '../harness/project';
import { openTempDir, tempDir } from '../harness/tmp';
import { loadMigrations, loadPhases } from '../../src/engine/units';
import { reachableBy } from '../../src/db/embedded-binaries';

/**
 * Bad input is refused with one line (and a hint), the right exit code, JSON under --json,
 * and nothing changed: each case runs against its own fresh database and checks after the
 * refusal that no table and no history exist.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('bad_input');
});
afterAll(async () => {
  await db.drop();
});

const flags = (p: { migrationsDir: string; phasesDir: string }, url = db.url) => ['--database-url', url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];

/** The one line a user sees: `error: …` (naming what is wrong), then `hint: …`, and no stack trace. */
function expectOneLine(run: CliRun, code: number, message: RegExp): void {
  expect(run.code).toBe(code);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
  expect(lines.filter((l) => l.startsWith('hint: '))).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toMatch(/unexpected/);
}

/** Under --json: the shape of CLI.md, with the error and its exit code, and nothing on stderr. */
function expectJsonError(run: CliRun, code: number, message: RegExp): void {
  expect(run.code).toBe(code);
  const out = run.json();
  expect(out.ok).toBe(false);
  expect(out.error).toEqual(expect.objectContaining({ message: expect.stringMatching(message), exitCode: code, hint: expect.any(String) }));
  expect(run.stderr).toBe('');
}

/** None of the tables exists, and the history holds no row (its schema may have been created: that is bookkeeping). */
async function expectNothingChanged(tables: string[], sql = db.sql): Promise<void> {
  const [{ found, history }] = await sql<{ found: string[] | null; history: string | null }[]>`
    select (select array_agg(t) from unnest(${tables}::text[]) t where to_regclass(t) is not null) as found,
           to_regclass('migrate.history')::text as history`;
  expect(found).toBeNull();
  if (history) expect((await sql`select unit, event from migrate.history`).length).toBe(0);
}

describe('a file that is not valid UTF-8', () => {
  // "café" in LATIN1: 0xe9 stands alone where UTF-8 would need a continuation byte.
  const latin1 = Buffer.concat([Buffer.from("create table bi_latin (id int);\ncomment on table bi_latin is 'caf"), Buffer.from([0xe9]), Buffer.from("';\n")]);

  test('is refused with exit 2 naming the file, the byte offset and the line; nothing runs', async () => {
    const p = migrationsProject({});
    writeFileSync(path.join(p.migrationsDir, '0001_latin.sql'), latin1);
    for (const command of ['up', 'status', 'plan']) {
      const run = await runCli([...flags(p), command]);
      expectOneLine(run, 2, /0001_latin\.sql is not valid UTF-8: byte 0xe9 at offset 65 \(line 2\)/);
      expect(run.stderr).toMatch(/hint: convert the file to UTF-8, e\.g\. iconv -f LATIN1 -t UTF-8 0001_latin\.sql/);
    }
    expectJsonError(await runCli([...flags(p), 'up', '--json']), 2, /not valid UTF-8/);
    await expectNothingChanged(['bi_latin']);
  });

  test('a companion file (down, precheck, …) is held to the same rule', async () => {
    const p = migrationsProject({ '0001_ok.sql': 'create table bi_ok (id int);\n' });
    writeFileSync(path.join(p.migrationsDir, '0001_ok.down.sql'), Buffer.from([0x64, 0x72, 0x6f, 0x70, 0x20, 0xff, 0x3b, 0x0a]));
    expectOneLine(await runCli([...flags(p), 'up']), 2, /0001_ok\.down\.sql is not valid UTF-8: byte 0xff at offset 5 \(line 1\)/);
    await expectNothingChanged(['bi_ok']);
  });

  test('checksums are over the bytes, and equal the ones recorded before for valid UTF-8 files', () => {
    // Before, the checksum was sha256 of the decoded text: for valid UTF-8 the two agree, so no history row shows drift.
    const migrations = loadMigrations(path.join(ROOT, 'database/migrations'));
    const units = [...migrations, ...loadPhases(path.join(ROOT, 'phases'), migrations)];
    expect(units.length).toBeGreaterThan(4);
    for (const u of units) {
      const bytes = readFileSync(u.up.path);
      expect(u.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(u.checksum).toBe(createHash('sha256').update(bytes.toString('utf8')).digest('hex'));
    }
    const p = migrationsProject({ '0001_bom.sql': '\ufeffselect 1;\n', '0002_accents.sql': "select 'é€😀';\n" });
    for (const u of loadMigrations(p.migrationsDir)) {
      expect(u.checksum).toBe(createHash('sha256').update(readFileSync(u.up.path)).digest('hex'));
    }
  });
});

describe('an empty file', () => {
  test('an up step with no statement (empty, or only comments) is refused with exit 2 naming it', async () => {
    const p = migrationsProject({ '0001_real.sql': 'create table bi_real (id int);\n', '0002_empty.sql': '', '0003_comments.sql': '-- TODO: write this\n/* later */\n;\n' });
    const run = await runCli([...flags(p), 'up']);
    expectOneLine(run, 2, /0002_empty\.sql holds no statement \(only whitespace or comments\): a unit that does nothing is almost always a mistake; .*0003_comments\.sql holds no statement/);
    expect(run.stderr).toMatch(/hint: write the change into the file, or delete it/);
    expectJsonError(await runCli([...flags(p), 'up', '--json']), 2, /0002_empty\.sql holds no statement/);
    // Nothing ran, not even the good unit before it.
    await expectNothingChanged(['bi_real']);

    const plan = await runCli([...flags(p), 'plan', '--json']);
    expect(plan.code).toBe(3);
    expect(plan.json().ready).toBe(false);
    expect(plan.json().findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ rule: 'empty-unit', severity: 'error', file: expect.stringMatching(/0002_empty\.sql$/), line: 1 }),
      expect.objectContaining({ rule: 'empty-unit', severity: 'error', file: expect.stringMatching(/0003_comments\.sql$/) }),
    ]));
    // status still lists it: an empty file is a problem for the run, not for reading the folder.
    const st = await runCli([...flags(p), 'status', '--json']);
    expect(st.code).toBe(0);
    expect(st.json().units.map((u: { name: string; state: string }) => [u.name, u.state])).toEqual([['0001_real', 'pending'], ['0002_empty', 'pending'], ['0003_comments', 'pending']]);
  });

  test('an empty phase up.sql is refused by remediate the same way', async () => {
    const p = migrationsProject({});
    const phase = path.join(p.phasesDir, '01-nothing');
    mkdirSync(phase);
    writeFileSync(path.join(phase, 'phase.json'), '{"title": "nothing"}');
    writeFileSync(path.join(phase, 'up.sql'), '\n\n');
    expectOneLine(await runCli([...flags(p), 'remediate', '--yes']), 2, /01-nothing\/up\.sql holds no statement/);
    await expectNothingChanged([]);
  });

  test('an empty down step is refused by rollback (exit 2): it would record a rollback that undid nothing', async () => {
    const other = await freshDatabase('bad_input_down');
    try {
      const p = migrationsProject({ '0001_kept.sql': 'create table bi_kept (id int);\n', '0001_kept.down.sql': '-- nothing to undo\n' });
      const plan = await runCli([...flags(p, other.url), 'plan', '--json']);
      expect(plan.json().findings).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'empty-down', severity: 'warning' })]));
      expect((await runCli([...flags(p, other.url), 'up'])).code).toBe(0);
      const run = await runCli([...flags(p, other.url), 'rollback', '0001', '--yes']);
      expectOneLine(run, 2, /0001_kept\.down\.sql holds no statement: rolling back 0001_kept would change nothing/);
      expect(run.stderr).toMatch(/hint: write the down step, or delete the file if the unit cannot be undone/);
      const json = await runCli([...flags(p, other.url), 'rollback', '0001', '--yes', '--json']);
      expect(json.code).toBe(2);
      expect(json.json()).toMatchObject({ ok: false, units: [], error: { exitCode: 2, message: expect.stringMatching(/holds no statement/) } });
      const [{ t }] = await other.sql`select to_regclass('public.bi_kept')::text as t`;
      expect(t).toBe('bi_kept');
      expect((await other.sql`select event from migrate.history order by id`).map((r) => r.event)).toEqual(['applied']);
    } finally {
      await other.drop();
    }
  });
});

describe('a read-only database', () => {
  test('up, remediate, rollback and baseline refuse with exit 3 before anything runs; plan is BLOCKED on it', async () => {
    const ro = await freshDatabase('bad_input_ro');
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => undefined });
    try {
      const p = migrationsProject({ '0001_ro.sql': 'create table bi_ro (id int);\n', '0001_ro.down.sql': 'drop table bi_ro;\n' });
      await admin.unsafe(`alter database "${ro.name}" set default_transaction_read_only = on`);
      const readOnly = /the database does not accept writes: transaction_read_only is on; default_transaction_read_only is on; nothing was changed/;

      const up = await runCli([...flags(p, ro.url), 'up']);
      expectOneLine(up, 3, readOnly);
      expect(up.stderr).toMatch(/hint: .*RESET default_transaction_read_only/);
      const json = await runCli([...flags(p, ro.url), 'up', '--json']);
      expect(json.code).toBe(3);
      expect(json.json()).toMatchObject({ ok: false, units: [], error: { exitCode: 3, message: expect.stringMatching(readOnly), hint: expect.any(String) } });
      expectOneLine(await runCli([...flags(p, ro.url), 'rollback', '0001', '--yes']), 3, readOnly);
      expectOneLine(await runCli(['--database-url', ro.url, ...SHIPPED, 'remediate', '--yes']), 3, readOnly);
      expectOneLine(await runCli(['--database-url', ro.url, 'baseline']), 3, readOnly);

      const plan = await runCli([...flags(p, ro.url), 'plan', '--json']);
      expect(plan.code).toBe(3);
      expect(plan.json()).toMatchObject({ ready: false, server: [{ check: 'database accepts writes', ok: false, detail: expect.stringMatching(/default_transaction_read_only is on/) }] });
      const text = await runCli([...flags(p, ro.url), 'plan']);
      expect(text.stdout).toMatch(/✗ database accepts writes: transaction_read_only is on; default_transaction_read_only is on/);
      // The remediation's own precheck no longer says "writable" on such a database.
      const remediation = await runCli(['--database-url', ro.url, ...SHIPPED, 'plan', '--remediate', '--json']);
      const prechecks = remediation.json().units.flatMap((u: { prechecks: Array<{ check: string; ok: boolean }> }) => u.prechecks);
      expect(prechecks.filter((c: { check: string }) => c.check === 'database is writable')).toEqual([expect.objectContaining({ ok: false })]);
      await expectNothingChanged(['bi_ro', 'public.organization'], ro.sql);

      // The same folder applies once writes are allowed again: the refusal was about the database.
      await admin.unsafe(`alter database "${ro.name}" reset default_transaction_read_only`);
      expect((await runCli([...flags(p, ro.url), 'up'])).code).toBe(0);
    } finally {
      await admin.end();
      await ro.drop();
    }
  });
});

describe('a URL with bad %-encoding', () => {
  test('is a usage error (exit 2): one line without the password, JSON under --json', async () => {
    const url = 'postgres://u:%zz@127.0.0.1/db';
    const json = await runCli(['status', '--database-url', url, '--json']);
    expect(json.code).toBe(2);
    // Whichever parser reads the URL (ours or a library's), its failure is one usage error.
    expect(json.json()).toEqual({ ok: false, error: expect.objectContaining({ message: expect.any(String), exitCode: 2, hint: expect.any(String) }) });
    const text = await runCli(['status', '--database-url', url]);
    expectOneLine(text, 2, /database URL|connection settings|--database-url/);
    // From DATABASE_URL, and with a password that is itself badly encoded, the same.
    const env = await runCli(['up', '--json'], { DATABASE_URL: 'postgres://admin:s3cr%t@127.0.0.1/db' });
    expect(env.code).toBe(2);
    expect(env.json()).toMatchObject({ ok: false, units: [], error: { exitCode: 2 } });
    for (const r of [json, text, env]) expect(r.stdout + r.stderr).not.toMatch(/%zz|s3cr/);
  });
});

describe('an --out or --log-file that cannot be written', () => {
  const p = migrationsProject({ '0001_out.sql': 'create table bi_out (id int);\n' });

  test('is refused with exit 2 before anything runs: under /proc, a directory, a file taken for a folder', async () => {
    const dir = tempDir('bad-input-out-');
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'keep me');
    const cases: Array<[string[], RegExp]> = [
      [['--out', '/proc/x.md'], /--out \/proc\/x\.md cannot be written: \/proc is on a kernel filesystem/],
      [['--out', '/proc/no/such/dir/x.md'], /--out \/proc\/no\/such\/dir\/x\.md cannot be written: \/proc is on a kernel filesystem/],
      [['--log-file', '/proc/x.log'], /--log-file \/proc\/x\.log cannot be written: \/proc is on a kernel filesystem/],
      [['--out', dir], /--out .* cannot be written: it is a directory/],
      [['--log-file', dir], /--log-file .* cannot be written: it is a directory/],
      [['--out', path.join(file, 'x.md')], /--out .*a-file\/x\.md cannot be written: .*a-file is not a folder/],
    ];
    for (const [extra, message] of cases) {
      const run = await runCli([...flags(p), 'up', ...extra]);
      expectOneLine(run, 2, message);
      expect(run.stderr).toMatch(/hint: name a file in a folder this user may write to/);
    }
    // Every bad value at once, and the run shape under --json.
    const both = await runCli([...flags(p), 'up', '--json', '--out', '/proc/x.md', '--log-file', dir]);
    expect(both.code).toBe(2);
    expect(both.json()).toMatchObject({ ok: false, units: [], error: { exitCode: 2, message: expect.stringMatching(/--out \/proc\/x\.md .*; --log-file .* it is a directory/) } });
    expectJsonError(await runCli([...flags(p), 'plan', '--json', '--out', '/proc/x.md']), 2, /--out \/proc\/x\.md cannot be written/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    await expectNothingChanged(['bi_out']);
  });

  test("rehearse's --report and --record are checked before a server is started", async () => {
    for (const flag of ['--report', '--record']) {
      const run = await runCli(['rehearse', flag, '/proc/x.md']);
      expectOneLine(run, 2, new RegExp(`${flag} /proc/x\\.md cannot be written: /proc is on a kernel filesystem`));
      expect(run.stdout).not.toMatch(/start server/);
    }
  });

  // As root, with the checkout where nobody can reach it (CI clones into a 0700 folder), the
  // CLI cannot be run as nobody at all: this case then runs only from a reachable checkout.
  const nobody = { name: 'nobody', uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim()), gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim()) };
  const asNobody = process.getuid?.() === 0 && ['node_modules', 'dist', 'bin'].every((d) => reachableBy(nobody, path.join(ROOT, d))) ? test : test.skip;
  asNobody('a folder this user may not write in is refused too (run as nobody; skipped as non-root or when nobody cannot reach the checkout)', async () => {
    const owned = openTempDir('bad-input-root-'); // root's, mode 0755: others may read, not write
    const project = { migrationsDir: path.join(owned, 'migrations'), phasesDir: path.join(owned, 'phases') };
    mkdirSync(project.migrationsDir);
    mkdirSync(project.phasesDir);
    writeFileSync(path.join(project.migrationsDir, '0001_out.sql'), 'create table bi_out (id int);\n');
    const run = await runAs('nobody', [...flags(project), 'up', '--out', path.join(owned, 'reports', 'up.md')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error: --out .*up\\.md cannot be written: this user may not write in ${owned}\\n`));
    expect(existsSync(path.join(owned, 'reports'))).toBe(false);
    await expectNothingChanged(['bi_out']);
  });
});

/** The built CLI as another OS user (root only). */
function runAs(user: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('runuser', ['-u', user, '--', process.execPath, BIN, ...args], { cwd: '/tmp', env: { PATH: process.env.PATH } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('a valid file of 50 MB', () => {
  test('plan reads it and up applies it (the parser takes it in pieces)', async () => {
    // A data load: 50 MB of INSERTs, each row with text that is not ASCII. Before, the syntax
    // check failed on it with "syntax error: Parse result is null" (exit 3).
    const p = migrationsProject({});
    const file = path.join(p.migrationsDir, '0001_load.sql');
    const parts = ['create table bi_big (id int primary key, note text);\n'];
    let size = parts[0].length;
    let rows = 0;
    while (size < 50 * 1024 * 1024) {
      const line = `insert into bi_big values (${rows}, 'row ${rows}: café, crème brûlée and a little more text to fill the line');\n`;
      parts.push(line);
      size += Buffer.byteLength(line);
      rows++;
    }
    writeFileSync(file, parts.join(''));

    // The built CLI, as a deploy would run it (in-process under jest the parse is several times slower).
    const plan = await runBin([...flags(p), 'plan', '--json']);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ ready: true, units: [{ name: '0001_load', statements: rows + 1 }], syntaxErrors: [] });

    const up = await runBin([...flags(p), 'up', '--json']);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(JSON.parse(up.stdout).units).toEqual([expect.objectContaining({ name: '0001_load', action: 'applied' })]);
    const [{ n, last }] = await db.sql`select count(*)::int as n, (select note from bi_big where id = ${rows - 1}) as last from bi_big`;
    expect(n).toBe(rows);
    expect(last).toBe(`row ${rows - 1}: café, crème brûlée and a little more text to fill the line`);
    const [row] = await db.sql`select event, checksum from migrate.history where unit = '0001_load'`;
    expect(row).toEqual({ event: 'applied', checksum: createHash('sha256').update(readFileSync(file)).digest('hex') });
  }, 300_000);
});

describe('a drifted unit', () => {
  test('is not rolled back: exit 3 and a hint, the unit stays applied; once restored, it rolls back', async () => {
    const other = await freshDatabase('bad_input_drift');
    try {
      const original = 'create table bi_drift (id int);\n';
      const p = migrationsProject({ '0001_drift.sql': original, '0001_drift.down.sql': 'drop table bi_drift;\n' });
      expect((await runCli([...flags(p, other.url), 'up'])).code).toBe(0);
      p.write('0001_drift.sql', 'create table bi_drift (id bigint, note text);\n');

      const run = await runCli([...flags(p, other.url), 'rollback', '0001', '--yes']);
      expectOneLine(run, 3, /cannot roll back 0001_drift: changed since applied \(drift\); nothing was changed/);
      expect(run.stderr).toMatch(/hint: restore the file as it was applied/);
      const dry = await runCli([...flags(p, other.url), 'rollback', '0001', '--dry-run', '--json']);
      expect(dry.code).toBe(3);
      expect(dry.json()).toMatchObject({ ok: false, dryRun: true, units: [], error: { exitCode: 3, message: expect.stringMatching(/drift/) } });
      const [{ t }] = await other.sql`select to_regclass('public.bi_drift')::text as t`;
      expect(t).toBe('bi_drift');
      expect((await other.sql`select event from migrate.history order by id`).map((r) => r.event)).toEqual(['applied']);

      p.write('0001_drift.sql', original);
      const back = await runCli([...flags(p, other.url), 'rollback', '0001', '--yes', '--json']);
      expect(back.code).toBe(0);
      expect(back.json().units).toEqual([expect.objectContaining({ name: '0001_drift', action: 'rolled-back' })]);
    } finally {
      await other.drop();
    }
  });
});
