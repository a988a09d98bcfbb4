import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';
import postgres from 'postgres';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('lock');
});
afterAll(async () => {
  await db.drop();
});

describe('one run at a time', () => {
  test('a second runner waits for the first; each unit is applied exactly once', async () => {
    const p = migrationsProject({
      '0001_slow.sql': 'create table slow (id int);\nselect pg_sleep(1.5);\n',
      '0002_after.sql': 'create table after_slow (id int);\n',
    });
    const argv = ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--json', '--lock-wait', '20s'];
    const [a, b] = await Promise.all([runCli(argv), runCli(argv)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const actions = [a, b].map((r) => r.json().units.map((u: { action: string }) => u.action).join(','));
    expect(actions.sort()).toEqual(['applied,applied', 'skipped,skipped']);
    const rows = await db.sql`select unit, count(*)::int as n from migrate.history where event = 'applied' group by unit order by unit`;
    expect(rows).toEqual([{ unit: '0001_slow', n: 1 }, { unit: '0002_after', n: 1 }]);
  });

  test('when the lock is not free within --lock-wait, exit 5 names the holder', async () => {
    const p = migrationsProject({ '0001_slower.sql': 'select pg_sleep(3);\n' });
    const argv = (wait: string) => ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--lock-wait', wait];
    const first = runCli(argv('20s'));
    await new Promise((r) => setTimeout(r, 800));
    const second = await runCli(argv('500ms'));
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(/another runner holds the migration lock: pid \d+ \(migrate up run [0-9a-f]{8}.*\) since /);
    expect((await first).code).toBe(0);
  });
});

describe('lock waits', () => {
  test('the time a unit waits for a table lock held by live traffic is measured and reported', async () => {
    await db.sql`create table busy (id int)`;
    // The second unit is sent while the first waits; its own figure stays its own.
    const p = migrationsProject({ '0001_alter_busy.sql': 'alter table busy add column note text;\n', '0002_after_busy.sql': 'create table after_busy (id int);\n' });
    const holder = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      // The lock is held until the runner is seen waiting for it, then 800 ms more, so the
      // wait does not depend on how fast the runner starts on a busy machine.
      let release!: () => void;
      const holding = new Promise<void>((r) => (release = r));
      const released = holder.begin(async (tx) => {
        await tx`lock table busy in access share mode`;
        await holding;
      });
      await new Promise((r) => setTimeout(r, 100));
      const running = runCli(['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--json', '--lock-timeout', '30s']);
      for (let i = 0; i < 300; i++) {
        const [{ waiting }] = await db.sql`select count(*)::int as waiting from pg_locks where relation = 'busy'::regclass and not granted`;
        if (waiting > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 800));
      release();
      const run = await running;
      await released;
      expect(run.code).toBe(0);
      const [unit, after] = run.json().units;
      expect(unit).toMatchObject({ name: '0001_alter_busy', action: 'applied' });
      expect(unit.lockWaitMs).toBeGreaterThanOrEqual(600);
      expect(unit.lockWaitMs).toBeLessThanOrEqual(unit.durationMs);
      expect(after).toMatchObject({ name: '0002_after_busy', action: 'applied', lockWaitMs: 0 });
    } finally {
      await holder.end();
    }
  });
});

describe('timeouts from flags', () => {
  test('--lock-timeout: a table held by a transaction older than one attempt stops the run before its first change, exit 5', async () => {
    await db.sql`create table guarded (id int)`;
    const p = migrationsProject({
      '0001_alter_guarded.sql': 'create table side_effect (id int);\nalter table guarded add column note text;\n',
      '0002_after_guarded.sql': 'create table after_guarded (id int);\n',
    });
    const holder = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      const held = holder.begin(async (tx) => {
        await tx`lock table guarded in access share mode`;
        await tx`select pg_sleep(1.5)`;
      });
      await new Promise((r) => setTimeout(r, 200));
      const run = await runCli(['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--lock-timeout', '200ms', '--lock-retries', '0']);
      await held;
      expect(run.code).toBe(5);
      // Seen before the first change (the holder's transaction is older than one attempt): named, nothing run.
      expect(run.stderr).toMatch(/nothing was changed: the tables this run locks are held by pid \d+ .*public\.guarded AccessShareLock/);
      expect(run.stderr).toMatch(/hint: another application holds these locks/);
      const [{ t, after }] = await db.sql`select to_regclass('public.side_effect') as t, to_regclass('public.after_guarded') as after`;
      expect(t).toBeNull();
      expect(after).toBeNull();
    } finally {
      await holder.end();
    }
  });

  test('--statement-timeout: a statement running too long is cancelled and its unit rolled back', async () => {
    const p = migrationsProject({ '0001_slow_statement.sql': 'create table before_sleep (id int);\nselect pg_sleep(2);\n' });
    const run = await runCli(['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--statement-timeout', '300ms']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/0001_slow_statement \(up\) failed .*canceling statement due to statement timeout/);
    const [{ t }] = await db.sql`select to_regclass('public.before_sleep') as t`;
    expect(t).toBeNull();
  });
});
