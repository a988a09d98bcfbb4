import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { SHIPPED } from '../harness/project';
import { tempDir } from '../harness/tmp';

interface Check { name: string; status: string; detail: string; unit?: string; source?: string }
interface Task { id: number; name: string; status: string; reason: string; checks: Check[] }
interface Report { approved: boolean; tasks: Task[]; runId: string; serverVersion: string; database: string; time: string; skipped: Array<{ name: string }>; readOnly: boolean; durationMs: number }

let db: TestDatabase;
const cli = (...args: string[]) => runCli(['--database-url', db.url, ...SHIPPED, ...args]);
const verifyJson = async (...extra: string[]) => {
  const run = await cli('verify', '--format', 'json', ...extra);
  return { code: run.code, report: run.json() as Report, stderr: run.stderr };
};
const statuses = (r: Report) => Object.fromEntries(r.tasks.map((t) => [t.id, t.status]));
const allPass = { 1: 'pass', 2: 'pass', 3: 'pass', 4: 'pass', 5: 'pass', 6: 'pass', 7: 'pass', 8: 'pass' };

/** Rows in every table the behaviour checks write to (fixtures, cascades, trigger rows). */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = ['public.organization', 'auth.users_extended', 'public.users', 'public.customer', 'public.sync_preview_cache', 'public.sync_progress',
    'public.sync_activity_log', 'public.woo_customer_sync_queue', 'public.woo_customer_sync_queue_line', 'public.woo_sync_activity', 'migrate.history'];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const [{ present }] = await db.sql`select to_regclass(${t}) is not null as present`;
    out[t] = present ? Number((await db.sql.unsafe(`select count(*) as n from ${t}`))[0].n) : -1;
  }
  return out;
}

beforeAll(async () => {
  db = await freshDatabase('verify');
  const r = await runCli(['--database-url', db.url, 'baseline']);
  if (r.code !== 0) throw new Error(`baseline failed: ${r.stderr}`);
});
afterAll(async () => db.drop());

describe('migrate verify on the baseline', () => {
  test('every task is blocked or fails naming the missing objects, task 8 is n/a, exit 4', async () => {
    const { code, report } = await verifyJson();
    expect(code).toBe(4);
    expect(report.approved).toBe(false);
    expect(report.tasks.map((t) => t.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const t of report.tasks.slice(0, 7)) expect(['blocked', 'fail']).toContain(t.status);
    expect(report.tasks[7]).toMatchObject({ id: 8, name: 'rollback', status: 'n/a' });
    expect(report.tasks[7].reason).toMatch(/never applied/);
    const byId = (id: number) => report.tasks.find((t) => t.id === id)!;
    // The policies' tables do not exist: RLS is blocked, and says by what.
    expect(byId(2).status).toBe('blocked');
    expect(byId(2).reason).toContain('public.sync_progress');
    expect(byId(6).status).toBe('blocked');
    expect(byId(6).reason).toMatch(/public\.organization/);
    expect(byId(6).reason).toMatch(/auth\.users_extended/);
    // Declared in expect.json and derived from the phase's own SQL: one check, naming the unit that makes it.
    expect(byId(1).checks.find((c) => c.name === 'table public.organization')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^table public\.organization is missing; made by 01-organization \(phases\/01-organization\/up\.sql:\d+\)$/) });
    expect(byId(5).checks.every((c) => c.status === 'fail' && /enum public\.\w+ is missing/.test(c.detail))).toBe(true);
    // Behaviour files are not run against missing tables: blocked, naming them.
    const behaviour = byId(2).checks.find((c) => c.source === 'behaviour')!;
    expect(behaviour).toMatchObject({ status: 'blocked', unit: '0024_sync_preview_progress_logs' });
    expect(behaviour.detail).toMatch(/auth\.users_extended/);
    // Not applied per history.
    expect(byId(7).checks.find((c) => c.name === 'unit 0024_sync_preview_progress_logs applied')?.status).toBe('fail');
  });

  test('the text report is a table of the eight tasks and exits 4; nothing is created', async () => {
    const run = await cli('verify');
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/⊘ 2 RLS\s+blocked/);
    expect(run.stdout).toMatch(/· 8 rollback\s+n\/a/);
    expect(run.stdout).toContain('NOT APPROVED');
    expect(run.stderr).toMatch(/verification did not approve/);
    const [r] = await db.sql`select to_regnamespace('migrate') is null as no_history`;
    expect(r.no_history).toBe(true);
  });
});

describe('migrate verify after remediation', () => {
  beforeAll(async () => {
    const run = await cli('remediate', '--yes');
    if (run.code !== 0) throw new Error(`remediate failed: ${run.stderr}`);
  });

  test('every task passes, exit 0, and the behavioural checks leave no rows behind', async () => {
    const before = await rowCounts();
    const started = Date.now();
    const { code, report } = await verifyJson();
    const ms = Date.now() - started;
    expect(code).toBe(0);
    expect(statuses(report)).toEqual(allPass);
    expect(report.approved).toBe(true);
    expect(report).toMatchObject({ runId: expect.stringMatching(/^[0-9a-f-]{36}$/), serverVersion: expect.any(String), time: expect.any(String), skipped: [], readOnly: false });
    expect(report.database).not.toMatch(/:[^/@]*@/); // no password
    const behaviour = report.tasks.flatMap((t) => t.checks.filter((c) => c.source === 'behaviour'));
    expect(behaviour.length).toBeGreaterThanOrEqual(20);
    expect(behaviour.map((c) => c.name)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^isolation: INSERT only into the user's own organisation/),
      expect.stringMatching(/elapsed, speed and eta/),
      expect.stringMatching(/^deleting an organisation cascades to public\.sync_activity_log/),
      expect.stringMatching(/woo_sync_queue_line_state_change finishes the queue as partial/),
    ]));
    expect(report.tasks[7].checks.filter((c) => c.name.startsWith('rehearsed rollback of')).map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(await rowCounts()).toEqual(before);
    process.stdout.write(`migrate verify after remediation: ${report.durationMs ?? '?'} ms in the command, ${ms} ms end to end\n`);
  });

  test('the text report marks each task ✓ and says APPROVED', async () => {
    const run = await cli('verify');
    expect(run.code).toBe(0);
    for (const name of ['1 schema', '2 RLS', '3 indexes', '4 triggers', '5 enums', '6 integration points', '7 production readiness', '8 rollback']) {
      expect(run.stdout).toMatch(new RegExp(`✓ ${name}\\s+pass`));
    }
    expect(run.stdout).toMatch(/migrate verify: APPROVED: 8\/8 tasks pass/);
  });

  test('--read-only lists the skipped writing checks and writes nothing', async () => {
    const before = await rowCounts();
    const { code, report } = await verifyJson('--read-only');
    expect(code).toBe(0);
    expect(report.readOnly).toBe(true);
    const skipped = report.skipped.map((s) => s.name);
    // Each named behaviour check of the two files, not run.
    expect(skipped).toEqual(expect.arrayContaining(['isolation: SELECT shows a user only its organisation\'s rows', 'trigger woo_sync_queue_line_state_change finishes the queue as partial', 'rehearsed rollback of 0024_sync_preview_progress_logs']));
    expect(report.tasks.flatMap((t) => t.checks).filter((c) => c.source === 'behaviour').every((c) => c.status === 'skipped')).toBe(true);
    expect(await rowCounts()).toEqual(before);
  });

  test('--format markdown --out FILE writes the report and prints one line', async () => {
    const file = path.join(tempDir('verify-md-'), 'report.md');
    const run = await cli('verify', '--format', 'markdown', '--out', file);
    expect(run.code).toBe(0);
    const runId = /run ([0-9a-f-]{36})/.exec(run.stdout)?.[1];
    expect(runId).toBeDefined();
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const md = readFileSync(file, 'utf8');
    expect(md).toMatch(/^# Verification report: APPROVED/);
    expect(md).toContain(runId!);
    expect(md).toMatch(/\| 2 \| RLS \| ✅ pass \|/);
    expect(md).toMatch(/\| 8 \| rollback \| ✅ pass \|/);
    expect(md).toMatch(/^- PostgreSQL \d+/m);
    expect(md).not.toMatch(/password/i);
  });

  test('a dropped policy makes exactly task 2 fail, naming it', async () => {
    await db.sql.unsafe('drop policy sync_progress_update on public.sync_progress');
    try {
      const { code, report } = await verifyJson();
      expect(code).toBe(4);
      expect(statuses(report)).toEqual({ ...allPass, 2: 'fail' });
      const failing = report.tasks[1].checks.filter((c) => c.status === 'fail');
      expect(failing.map((c) => c.detail).join('\n')).toContain('sync_progress_update');
    } finally {
      await db.sql.unsafe(`create policy sync_progress_update on public.sync_progress for update
        using (exists (select 1 from auth.users_extended u where u.id = auth.uid() and u.org_id = sync_progress.org_id))
        with check (exists (select 1 from auth.users_extended u where u.id = auth.uid() and u.org_id = sync_progress.org_id))`);
    }
  });

  test('a dropped trigger makes exactly task 4 fail, in catalog and behaviour', async () => {
    await db.sql.unsafe('drop trigger sync_progress_update_timestamp on public.sync_progress');
    try {
      const { code, report } = await verifyJson();
      expect(code).toBe(4);
      expect(statuses(report)).toEqual({ ...allPass, 4: 'fail' });
      const failing = report.tasks[3].checks.filter((c) => c.status === 'fail');
      expect(failing.map((c) => c.detail).join('\n')).toContain('sync_progress_update_timestamp');
      expect(failing.some((c) => c.source === 'behaviour' && /updated_at/.test(c.name))).toBe(true);
    } finally {
      await db.sql.unsafe('create trigger sync_progress_update_timestamp before update on public.sync_progress for each row execute function public.update_sync_progress_timestamp()');
    }
  });

  test('a dropped index makes exactly task 3 fail', async () => {
    await db.sql.unsafe('drop index public.idx_sync_progress_updated');
    try {
      const { code, report } = await verifyJson();
      expect(code).toBe(4);
      expect(statuses(report)).toEqual({ ...allPass, 3: 'fail' });
      expect(report.tasks[2].checks.filter((c) => c.status === 'fail').map((c) => c.detail)).toEqual([expect.stringMatching(/^index public\.idx_sync_progress_updated is missing; made by 0024_sync_preview_progress_logs \(database\/migrations\/0024_sync_preview_progress_logs\.sql:\d+\)$/)]);
    } finally {
      await db.sql.unsafe('create index idx_sync_progress_updated on public.sync_progress (org_id, updated_at desc)');
    }
  });

  test('an enum label mismatch makes exactly task 5 fail', async () => {
    await db.sql.unsafe("alter type public.sync_status_type rename value 'timeout' to 'timed_out'");
    try {
      const { code, report } = await verifyJson();
      expect(code).toBe(4);
      expect(statuses(report)).toEqual({ ...allPass, 5: 'fail' });
      const bad = report.tasks[4].checks.find((c) => c.status === 'fail')!;
      expect(bad.name).toBe('enum public.sync_status_type');
      expect(bad.detail).toContain('timed_out');
    } finally {
      await db.sql.unsafe("alter type public.sync_status_type rename value 'timed_out' to 'timeout'");
    }
  });

  test('a table locked by someone else: the behaviour check reports busy instead of waiting', async () => {
    const locker = postgres(db.url, { max: 1, onnotice: () => undefined });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = locker.begin(async (tx) => {
      await tx`lock table public.sync_progress in access exclusive mode`;
      locked();
      await released;
    });
    try {
      await isLocked;
      const started = Date.now();
      const { code, report } = await verifyJson('--check-lock-timeout', '200ms');
      expect(Date.now() - started).toBeLessThan(15000);
      expect(code).toBe(4);
      const behaviour = report.tasks.flatMap((t) => t.checks).filter((c) => c.source === 'behaviour' && c.unit === '0024_sync_preview_progress_logs');
      expect(behaviour.length).toBeGreaterThan(0);
      // Its setup writes the locked table: every check after it is blocked, saying why.
      for (const c of behaviour) expect(c).toMatchObject({ status: 'blocked', detail: expect.stringMatching(/^not run: the setup could not check: busy/) });
      // Reading a definition (pg_get_indexdef, pg_get_expr) takes a share lock on its table:
      // the locked table's definitions are reported busy, not waited for and not passed;
      // the other tables' are compared as usual.
      const all = report.tasks.flatMap((t) => t.checks);
      const lockedDefs = all.filter((c) => c.source === 'derived' && /public\.sync_progress\b/.test(c.name));
      expect(lockedDefs.length).toBeGreaterThan(0);
      for (const c of lockedDefs) expect(c).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^could not check: busy \(a lock on public\.sync_progress/) });
      expect(all.filter((c) => /public\.sync_preview_cache\b/.test(c.name) && c.source === 'derived').every((c) => c.status === 'pass')).toBe(true);
      expect(statuses(report)).toMatchObject({ 5: 'pass' });

      // --read-only writes nothing, but reading the locked table's definitions needs its
      // share lock too: it does not wait either, and what it could not read is the only failure.
      const ro = await verifyJson('--read-only', '--check-lock-timeout', '200ms');
      expect(ro.code).toBe(4);
      const notPassed = ro.report.tasks.flatMap((t) => t.checks).filter((c) => c.status === 'fail' || c.status === 'blocked');
      expect(notPassed.length).toBeGreaterThan(0);
      for (const c of notPassed) expect(c.detail).toMatch(/busy|lock timeout/);
    } finally {
      release();
      await holder;
      await locker.end();
    }
  });
});
