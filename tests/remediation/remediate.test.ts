import { readFileSync } from 'node:fs';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { copyOfShipped, SHIPPED } from '../harness/project';
import { tempDir } from '../harness/tmp';

const UNITS = ['01-organization', '02-auth', '0023_sync_infrastructure', '04-smoke-test-data', '0024_sync_preview_progress_logs'];

async function baselineDb(label: string): Promise<TestDatabase> {
  const db = await freshDatabase(label);
  const r = await runCli(['--database-url', db.url, 'baseline']);
  if (r.code !== 0) throw new Error(`baseline failed: ${r.stderr}`);
  return db;
}

async function objects(db: TestDatabase) {
  const [r] = await db.sql`
    select to_regclass('public.organization') is not null as organization,
           to_regnamespace('auth') is not null as auth,
           to_regclass('auth.users_extended') is not null as users_extended,
           to_regprocedure('auth.uid()') is not null as uid,
           to_regclass('public.woo_customer_sync_queue') is not null as queue,
           to_regclass('public.sync_progress') is not null as sync_progress,
           exists (select 1 from pg_roles where rolname = 'authenticated') as role`;
  return r;
}

describe('migrate remediate on the baseline', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await baselineDb('remediate');
  });
  afterAll(async () => db.drop());

  test('the baseline lacks every prerequisite of 0024', async () => {
    expect(await objects(db)).toMatchObject({ organization: false, auth: false, users_extended: false, uid: false, queue: false, sync_progress: false });
  });

  test('a dry run executes everything, reports it, and leaves catalog and history unchanged', async () => {
    const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--dry-run', '--json']);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ ok: true, dryRun: true });
    expect(run.json().units.map((u: { action: string }) => u.action)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    expect(await objects(db)).toMatchObject({ organization: false, auth: false, sync_progress: false });
    const [{ rows }] = await db.sql`select count(*)::int as rows from migrate.history`;
    expect(rows).toBe(0);
  });

  test('the full remediation applies phases 1–5 and verifies them, exit 0', async () => {
    const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const body = run.json();
    expect(body).toMatchObject({ ok: true, dryRun: false });
    expect(body.units.map((u: { name: string; action: string }) => [u.name, u.action])).toEqual(UNITS.map((n) => [n, 'applied']));
    expect(body.postVerification.ok).toBe(true);
    expect(await objects(db)).toEqual({ organization: true, auth: true, users_extended: true, uid: true, queue: true, sync_progress: true, role: true });
    const history = await db.sql`select unit, event from migrate.history where event in ('applied', 'verified') order by id`;
    for (const u of UNITS) expect(history.filter((h) => h.unit === u).map((h) => h.event)).toEqual(['applied', 'verified']);
  });

  test('a second run changes nothing and says every unit was skipped', async () => {
    const before = await db.sql`select count(*)::int as n from migrate.history`;
    const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { action: string }) => u.action)).toEqual(UNITS.map(() => 'skipped'));
    expect(await db.sql`select count(*)::int as n from migrate.history`).toEqual(before);
  });
});

describe('0023 applied by hand', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await baselineDb('adopt');
  });
  afterAll(async () => db.drop());

  test('is adopted after its verify passes, not re-run', async () => {
    const step = async (args: string[]) => {
      const r = await runCli(['--database-url', db.url, ...SHIPPED, ...args]);
      expect(r.code).toBe(0);
      return r;
    };
    await step(['remediate', '--yes', '--to', '02-auth']);
    // A DBA ran 0023 by hand, outside the runner.
    await db.sql.unsafe(readFileSync(SHIPPED[1] + '/0023_sync_infrastructure.sql', 'utf8')).simple();
    const run = await step(['remediate', '--yes', '--json']);
    expect(run.json().units.map((u: { name: string; action: string }) => [u.name, u.action])).toEqual([
      ['01-organization', 'skipped'], ['02-auth', 'skipped'], ['0023_sync_infrastructure', 'adopted'], ['04-smoke-test-data', 'applied'], ['0024_sync_preview_progress_logs', 'applied'],
    ]);
    const events = await db.sql`select event from migrate.history where unit = '0023_sync_infrastructure' order by id`;
    expect(events.map((e) => e.event)).toEqual(['adopted']);
    const st = await runCli(['--database-url', db.url, ...SHIPPED, 'status', '--json']);
    expect(st.json().units.find((u: { name: string }) => u.name === '0023_sync_infrastructure').state).toBe('adopted');
  });
});

describe('a failure injected into phase 5', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await baselineDb('inject');
  });
  afterAll(async () => db.drop());

  test('leaves phases 1–4 applied, 0024 absent, and history that says so; running again finishes the job', async () => {
    const content = copyOfShipped();
    const original = content.migrationsDir + '/0024_sync_preview_progress_logs.sql';
    content.edit('migrations/0024_sync_preview_progress_logs.sql', (t) => `${t}\nselect 1 / 0;\n`);
    const run = await runCli(['--database-url', db.url, ...content.flags, 'remediate', '--yes', '--json']);
    expect(run.code).toBe(1);
    const body = run.json();
    expect(body.ok).toBe(false);
    expect(body.units.map((u: { action: string }) => u.action)).toEqual(['applied', 'applied', 'applied', 'applied', 'failed']);
    expect(body.error.message).toMatch(/0024_sync_preview_progress_logs \(up\) failed at .*0024_sync_preview_progress_logs\.sql:\d+:\d+: division by zero/);
    expect(await objects(db)).toMatchObject({ organization: true, users_extended: true, queue: true, sync_progress: false });
    const [{ n }] = await db.sql`select count(*)::int as n from pg_type where typname in ('sync_type', 'sync_action', 'sync_entity_type', 'sync_status_type')`;
    expect(n).toBe(0);
    const st = await runCli(['--database-url', db.url, ...content.flags, 'status', '--json']);
    expect(st.json().units.map((u: { state: string }) => u.state)).toEqual(['applied', 'applied', 'applied', 'applied', 'pending']);
    const h = await db.sql`select event from migrate.history where unit = '0024_sync_preview_progress_logs' order by id`;
    expect(h.map((r) => r.event)).toEqual(['failed']);

    content.edit('migrations/0024_sync_preview_progress_logs.sql', (t) => t.replace(/\nselect 1 \/ 0;\n$/, ''));
    expect(original).toContain('0024');
    const again = await runCli(['--database-url', db.url, ...content.flags, 'remediate', '--yes', '--json']);
    expect(again.code).toBe(0);
    expect(again.json().units.map((u: { action: string }) => u.action)).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'applied']);
  });
});

describe('--single-transaction', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await baselineDb('single');
  });
  afterAll(async () => db.drop());

  test('a failure in phase 5 rolls back phases 1–4 as well', async () => {
    const content = copyOfShipped();
    content.edit('migrations/0024_sync_preview_progress_logs.sql', (t) => `${t}\nselect 1 / 0;\n`);
    const run = await runCli(['--database-url', db.url, ...content.flags, 'remediate', '--yes', '--single-transaction', '--json']);
    expect(run.code).toBe(1);
    expect(run.json().units.map((u: { action: string }) => u.action)).toEqual(['rolled-back', 'rolled-back', 'rolled-back', 'rolled-back', 'failed']);
    expect(await objects(db)).toMatchObject({ organization: false, auth: false, queue: false, sync_progress: false });
    const rows = await db.sql`select unit, event from migrate.history order by id`;
    expect(rows.map((r) => `${r.unit}:${r.event}`)).toEqual(['0024_sync_preview_progress_logs:failed']);
  });

  test('--skip leaves out the smoke-test data; --to stops after a phase', async () => {
    const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--skip', '04-smoke-test-data', '--to', '04', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { name: string; action: string }) => [u.name, u.action])).toEqual([
      ['01-organization', 'applied'], ['02-auth', 'applied'], ['0023_sync_infrastructure', 'applied'], ['04-smoke-test-data', 'skipped'],
    ]);
    const [{ n }] = await db.sql`select count(*)::int as n from public.organization where slug = 'test-org'`;
    expect(n).toBe(0);
    expect((await objects(db)).sync_progress).toBe(false);
  });

  test('an unknown unit name is a usage error', async () => {
    const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--skip', 'no-such-phase']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown unit "no-such-phase"/);
  });
});

describe('dry-run report', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await baselineDb('dryreport');
  });
  afterAll(async () => db.drop());

  test('--dry-run --format markdown --out writes a report that says it was a dry run, per unit', async () => {
    const out = `${tempDir('dry-md-')}/dry-run.md`;
    const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--dry-run', '--format', 'markdown', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/migrate remediate: ok \(dry run\), run [0-9a-f-]{36}; written to/);
    const md = readFileSync(out, 'utf8');
    expect(md).toMatch(/# migrate remediate: OK \(dry run: everything was rolled back\)/);
    for (const u of UNITS) expect(md).toMatch(new RegExp(`\\| ${u} \\| \\w+ \\| would apply \\| \\d+ ms \\|`));
    expect((await objects(db)).organization).toBe(false);
  });
});
