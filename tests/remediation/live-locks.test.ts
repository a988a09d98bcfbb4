import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { SHIPPED } from '../harness/project';

/**
 * An application transaction holding a lock on `users` (which 0023 references with a
 * foreign key, so it needs SHARE ROW EXCLUSIVE there) while `migrate remediate` starts.
 */
async function baselineDb(label: string): Promise<TestDatabase> {
  const db = await freshDatabase(label);
  const r = await runCli(['--database-url', db.url, 'baseline']);
  if (r.code !== 0) throw new Error(`baseline failed: ${r.stderr}`);
  return db;
}

/** Opens a transaction that holds ROW EXCLUSIVE on users (an INSERT not yet committed) until released. */
async function holdUsers(db: TestDatabase, application = 'billing-app'): Promise<{ pid: number; release(): Promise<void> }> {
  const client = postgres(db.url, { max: 1, onnotice: () => undefined, connection: { application_name: application } });
  let release!: () => void;
  const holding = new Promise<void>((r) => (release = r));
  let pid = 0;
  const started = new Promise<void>((ready) => {
    void client.begin(async (tx) => {
      [{ pid }] = await tx`select pg_backend_pid() as pid`;
      await tx`insert into users (email) values ('held@example.com')`;
      ready();
      await holding;
    });
  });
  await started;
  // Old enough to count as a blocker for any per-attempt lock timeout the tests use.
  await new Promise((r) => setTimeout(r, 600));
  return { pid, release: async () => { release(); await client.end(); } };
}

async function nothingApplied(db: TestDatabase) {
  const [r] = await db.sql`select to_regclass('public.organization') is null as no_org, to_regnamespace('auth') is null as no_auth,
    to_regclass('public.woo_customer_sync_queue') is null as no_queue,
    (select count(*)::int from pg_tables where schemaname = 'migrate' and tablename = 'history') as history_tables`;
  const rows = r.history_tables ? (await db.sql`select count(*)::int as n from migrate.history where event <> 'failed'`)[0].n : 0;
  return { ...r, changedRows: rows };
}

describe('remediate gives way to a session holding a table it needs', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await baselineDb('live_locks');
  });
  afterEach(async () => {
    await db.drop();
  });

  test('a lock that stays: exit 5 within the bound, naming the holder, nothing applied', async () => {
    const holder = await holdUsers(db);
    try {
      const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--lock-timeout', '200ms', '--lock-retries', '2', '--lock-backoff', '200ms']);
      expect(run.code).toBe(5);
      expect(run.stderr).toContain(`pid ${holder.pid} (billing-app`);
      expect(run.stderr).toMatch(/idle in transaction/);
      expect(run.stderr).toMatch(/nothing was changed/);
      expect(run.stderr).not.toMatch(/orphaned backend/);
      expect(await nothingApplied(db)).toEqual({ no_org: true, no_auth: true, no_queue: true, history_tables: expect.any(Number), changedRows: 0 });
      // The application's transaction was never disturbed: it still commits.
    } finally {
      await holder.release();
    }
    const [{ n }] = await db.sql`select count(*)::int as n from users where email = 'held@example.com'`;
    expect(n).toBe(1);
  });

  test('the same under --json: the run shape with no units and the error naming the holder', async () => {
    const holder = await holdUsers(db);
    try {
      const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--json', '--lock-timeout', '200ms', '--lock-retries', '1', '--lock-backoff', '100ms']);
      expect(run.code).toBe(5);
      const out = run.json();
      expect(out).toMatchObject({ ok: false, units: [], error: { exitCode: 5 } });
      expect(out.error.message).toContain(`pid ${holder.pid}`);
    } finally {
      await holder.release();
    }
  });

  test('a backend left by an earlier migrate run is named as such, with a hint that does not blame live traffic', async () => {
    // What a SIGKILLed runner leaves behind until the server notices: a session named like the runner's own.
    const orphan = await holdUsers(db, 'migrate');
    try {
      const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--lock-timeout', '200ms', '--lock-retries', '1', '--lock-backoff', '100ms']);
      expect(run.code).toBe(5);
      expect(run.stderr).toContain(`pid ${orphan.pid} (an orphaned backend of an earlier migrate run (migrate)`);
      expect(run.stderr).toMatch(/hint: pid \d+ is left over from an earlier migrate run/);
      expect(run.stderr).not.toMatch(/another application/);
    } finally {
      await orphan.release();
    }
  });

  test('a lock held for a few seconds is waited out and the remediation finishes', async () => {
    const holder = await holdUsers(db);
    const releasing = new Promise((r) => setTimeout(r, 3400)).then(() => holder.release());
    const run = await runCli(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--json']);
    await releasing;
    expect(run.code).toBe(0);
    const out = run.json();
    expect(out.units.map((u: { action: string }) => u.action)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    const check = out.preflight.find((c: { name: string }) => /sessions holding/.test(c.name));
    expect(check).toMatchObject({ ok: true });
    expect(check.detail).toMatch(/after waiting \d/);
  });
});
