import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';
import { ROOT, SHIPPED } from '../harness/project';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('plan');
  expect((await runCli(['--database-url', db.url, 'baseline'])).code).toBe(0);
});
afterAll(async () => db.drop());

const cli = (...args: string[]) => runCli(['--database-url', db.url, ...args]);

describe('migrate plan on the baseline', () => {
  test('plan is BLOCKED: 0023/0024 lack organization, schema auth, auth.users_extended, auth.uid() (and the role when the cluster lacks it)', async () => {
    const run = await cli(...SHIPPED, 'plan', '--json');
    expect(run.code).toBe(3);
    const body = run.json();
    expect(body.ready).toBe(false);
    expect(body.units.map((u: { name: string }) => u.name)).toEqual(['0023_sync_infrastructure', '0024_sync_preview_progress_logs']);
    const [{ role }] = await db.sql`select exists (select 1 from pg_roles where rolname = 'authenticated') as role`;
    const gaps = new Set(body.gaps.map((g: { kind: string; name: string }) => `${g.kind} ${g.name}`));
    const expected = ['relation public.organization', 'schema auth', 'relation auth.users_extended', 'function auth.uid', ...(role ? [] : ['role authenticated'])];
    expect([...gaps].sort()).toEqual(expected.sort());
    for (const g of body.gaps) expect(g).toEqual({ unit: expect.stringMatching(/^002[34]_/), file: expect.stringMatching(/002[34]_.*\.sql$/), line: expect.any(Number), kind: g.kind, name: g.name });
    const org = body.gaps.find((g: { unit: string; name: string }) => g.unit === '0023_sync_infrastructure' && g.name === 'public.organization');
    // At the line that references it, not the first line of its CREATE TABLE.
    const line = readFileSync(path.join(ROOT, org.file), 'utf8').split('\n')[org.line - 1];
    expect(line).toMatch(/REFERENCES public\.organization/);
  });

  test('plan --remediate is ready, exit 0, with each phase, its prechecks and its locks on existing tables', async () => {
    const run = await cli(...SHIPPED, 'plan', '--remediate', '--json');
    expect(run.code).toBe(0);
    const body = run.json();
    expect(body).toMatchObject({ ready: true, gaps: [] });
    expect(body.units.map((u: { name: string }) => u.name)).toEqual(['01-organization', '02-auth', '0023_sync_infrastructure', '04-smoke-test-data', '0024_sync_preview_progress_logs']);
    const locks = body.units.find((u: { name: string }) => u.name === '0023_sync_infrastructure').locks;
    expect(locks).toEqual(expect.arrayContaining([expect.objectContaining({ table: 'public.users', lock: 'SHARE ROW EXCLUSIVE', rows: expect.any(Number), bytes: expect.any(Number) })]));
    expect(body.findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
  });

  test('a lock is listed once per table and mode, at its first line, however many statements take it', async () => {
    const p = migrationsProject({ '0001_load.sql': "insert into users (email) values ('a@x');\ninsert into users (email) values ('b@x');\nupdate users set email = email;\ninsert into users (email) values ('c@x');\n" });
    const run = await cli('--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'plan', '--json');
    const locks = run.json().units[0].locks.map((l: { table: string; lock: string; line: number }) => [l.table, l.lock, l.line]);
    expect(locks).toEqual([['public.users', 'ROW EXCLUSIVE', 1]]);
  });

  test('the text and Markdown renderings say BLOCKED and name the gaps', async () => {
    const text = await cli(...SHIPPED, 'plan');
    expect(text.stdout).toMatch(/BLOCKED/);
    expect(text.stdout).toMatch(/0024_sync_preview_progress_logs\.sql:\d+ {2}function auth\.uid/);
    const out = path.join(os.tmpdir(), `${db.name}-plan.md`);
    const md = await cli(...SHIPPED, 'plan', '--format', 'markdown', '--out', out);
    expect(md.code).toBe(3);
    expect(md.stdout).toMatch(/migrate plan: BLOCKED; written to/);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toMatch(/# Migration plan: BLOCKED[\s\S]*## Missing prerequisites[\s\S]*auth\.users_extended/);
  });
});

describe('the original 0024 file, with its defects', () => {
  test('plan reports the syntax error at 44:1, the PL/pgSQL-only statement and the transaction control; up refuses before running anything', async () => {
    const p = migrationsProject({});
    copyFileSync(path.join(ROOT, 'tests/analysis/fixtures/0024_original_defects.sql'), path.join(p.migrationsDir, '0024_sync_preview_progress_logs.sql'));
    const plan = await cli('--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'plan', '--json');
    expect(plan.code).toBe(3);
    const body = plan.json();
    expect(body.syntaxErrors).toEqual([expect.objectContaining({ line: 44, column: 1, message: expect.stringMatching(/syntax error at or near "RAISE"/) })]);
    const rules = body.findings.map((f: { rule: string; line: number }) => `${f.rule}@${f.line}`);
    expect(rules).toEqual(expect.arrayContaining(['syntax-error@44', 'plpgsql-at-top-level@44', 'transaction-control@5', 'volatile-check@21']));

    const up = await cli('--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up');
    expect(up.code).toBe(3);
    expect(up.stderr).toMatch(/0024_sync_preview_progress_logs\.sql:44:1: syntax error at or near "RAISE"/);
    const [{ n }] = await db.sql`select count(*)::int as n from migrate.history where unit like '0024%'`.catch(() => [{ n: 0 }]);
    expect(n).toBe(0);
  });
});

describe('statements that cannot run in a transaction', () => {
  test('CREATE INDEX CONCURRENTLY runs outside a transaction, and a failed one leaves no invalid index behind', async () => {
    const p = migrationsProject({
      '0101_items.sql': "create table items (id int, code text);\ninsert into items select g, 'c' || (g % 3) from generate_series(1, 50) g;\n",
      '0102_items_code.sql': 'create unique index concurrently items_code_uidx on items (code);\n',
    });
    const flags = ['--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];
    const plan = await cli(...flags, 'plan', '--json');
    expect(plan.json().units.find((u: { name: string }) => u.name === '0102_items_code').transactional).toBe(false);
    expect(plan.json().findings).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'non-transactional' })]));

    const dry = await cli(...flags, 'up', '--dry-run');
    expect(dry.code).toBe(3);
    expect(dry.stderr).toMatch(/0102_items_code must run outside a transaction/);

    const up = await cli(...flags, 'up', '--json');
    expect(up.code).toBe(1);
    expect(up.json().error.message).toMatch(/0102_items_code \(up\) failed .*could not create unique index "items_code_uidx"/);
    expect(up.json().error.hint).toMatch(/dropped invalid index public\.items_code_uidx/);
    const [{ left }] = await db.sql`select count(*)::int as left from pg_class where relname = 'items_code_uidx'`;
    expect(left).toBe(0);

    p.write('0102_items_code.sql', 'create index concurrently items_code_idx on items (code);\n');
    const retry = await cli(...flags, 'up', '--json');
    expect(retry.code).toBe(0);
    const [{ valid }] = await db.sql`select indisvalid as valid from pg_index where indexrelid = 'public.items_code_idx'::regclass`;
    expect(valid).toBe(true);
  });
});

describe('--dry-run of up', () => {
  test('reports per-unit results and the first error as it would happen, and changes neither catalog nor history', async () => {
    const p = migrationsProject({
      '0201_a.sql': 'create table dry_a (id int);\n',
      '0202_b.sql': 'create table dry_b (id int references dry_missing(id));\n',
    });
    const before = await db.sql`select count(*)::int as n from migrate.history`;
    const run = await cli('--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--dry-run', '--json');
    expect(run.code).toBe(1);
    const body = run.json();
    expect(body).toMatchObject({ ok: false, dryRun: true });
    expect(body.units.map((u: { name: string; action: string }) => [u.name, u.action])).toEqual([['0201_a', 'applied'], ['0202_b', 'failed']]);
    expect(body.error.message).toMatch(/0202_b \(up\) failed at .*0202_b\.sql:1:\d+: relation "dry_missing" does not exist/);
    const [{ a }] = await db.sql`select to_regclass('public.dry_a') as a`;
    expect(a).toBeNull();
    expect(await db.sql`select count(*)::int as n from migrate.history`).toEqual(before);
  });
});
