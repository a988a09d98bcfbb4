import postgres from 'postgres';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('lock_retry');
});
afterAll(async () => {
  await db.drop();
});

const up = (p: { migrationsDir: string; phasesDir: string }, ...flags: string[]) =>
  runCli(['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--json', ...flags]);

/** A transaction of another session holding ACCESS SHARE on `table` until released. */
async function holdAccessShare(table: string): Promise<{ release(): void; end(): Promise<void> }> {
  const holder = postgres(db.url, { max: 1, onnotice: () => undefined });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const holding = holder.begin(async (tx) => {
    await tx.unsafe(`lock table ${table} in access share mode`);
    await held;
  });
  await new Promise((r) => setTimeout(r, 100));
  return { release, end: async () => { release(); await holding; await holder.end(); } };
}

/** SQL that fails with a deadlock (40P01) on the first `times` attempts: the sequence is not rolled back with them. */
const losesDeadlock = (seq: string, times: number) =>
  `do $$ begin if nextval('${seq}') <= ${times} then raise exception 'deadlock detected (simulated)' using errcode = '40P01'; end if; end $$;\n`;

async function historyOf(unit: string) {
  return db.sql<{ event: string; detail: any }[]>`select event, detail from migrate.history where unit = ${unit} order by id`;
}

describe('the lock footprint is taken up front, in one order', () => {
  test('waiting for its first table, the unit holds none of the others', async () => {
    await db.sql.unsafe('create table zeta_first_in_file (id int); create table alpha_second_in_file (id int)');
    // The file touches zeta first; sorted by name, alpha is locked first.
    const p = migrationsProject({ '0000_two_tables.sql': 'alter table zeta_first_in_file add column note text;\nalter table alpha_second_in_file add column note text;\n' });
    const { release, end } = await holdAccessShare('alpha_second_in_file');
    try {
      const running = up(p, '--lock-timeout', '5s', '--lock-retries', '0');
      let seen: { waiter: number; zeta: number } | undefined;
      for (let i = 0; i < 200 && !seen; i++) {
        const [row] = await db.sql`select l.pid as waiter,
            (select count(*)::int from pg_locks z where z.pid = l.pid and z.relation = 'zeta_first_in_file'::regclass) as zeta
          from pg_locks l where l.relation = 'alpha_second_in_file'::regclass and not l.granted`;
        if (row) seen = row as unknown as { waiter: number; zeta: number };
        else await new Promise((r) => setTimeout(r, 50));
      }
      release();
      expect(seen).toBeDefined();
      expect(seen!.zeta).toBe(0);
      expect((await running).code).toBe(0);
    } finally {
      await end();
    }
  });
});

describe('a unit that cannot get its locks gives way and is tried again', () => {
  test('a lock timeout: rolled back, retried after the holder is gone, applied once; the unit sent after it is re-sent', async () => {
    await db.sql.unsafe("create table hidden_busy (id int); create table retry_side (n int)");
    // The lock is taken by dynamic SQL, out of the analysis' sight: the preflight does not see
    // the holder, the unit's own statement times out instead. Both units are one-trip: the
    // second one is sent ahead of the first and must be sent again after the retry.
    const p = migrationsProject({
      '0001_dynamic_lock.sql': "insert into retry_side values (1);\ndo $$ begin execute 'lock table hidden_busy in access exclusive mode'; end $$;\n",
      '0002_after_retry.sql': 'insert into retry_side values (2);\n',
    });
    const { release, end } = await holdAccessShare('hidden_busy');
    try {
      const running = up(p, '--lock-timeout', '200ms', '--lock-retries', '20', '--lock-backoff', '100ms');
      // Released once the runner has given way at least once (its first attempt's lock timeout).
      for (let i = 0; i < 200; i++) {
        const [{ waits }] = await db.sql`select count(*)::int as waits from pg_locks where relation = 'hidden_busy'::regclass and not granted`;
        if (waits > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 700));
      release();
      const run = await running;
      expect(run.code).toBe(0);
      const [first, second] = run.json().units;
      expect(first).toMatchObject({ name: '0001_dynamic_lock', action: 'applied' });
      expect(first.attempts).toBeGreaterThan(1);
      expect(second).toMatchObject({ name: '0002_after_retry', action: 'applied', attempts: 1 });
    } finally {
      await end();
    }
    expect((await db.sql`select n from retry_side order by n`).map((r) => r.n)).toEqual([1, 2]);
    const rows = await historyOf('0001_dynamic_lock');
    // No `failed` row for attempts that were retried: the final row lists them.
    expect(rows.map((r) => r.event)).toEqual(['applied']);
    expect(rows[0].detail.retried.length).toBeGreaterThan(0);
    expect(rows[0].detail.retried[0]).toMatchObject({ code: '55P03' });
    const status = await runCli(['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'status', '--json']);
    expect(JSON.stringify(status.json())).not.toMatch(/"lastAttempt":\s*"failed"/);
  });

  test('a deadlock it lost: rolled back and retried (a sequence counts the attempts; it is not rolled back)', async () => {
    await db.sql`create sequence deadlock_tries`;
    const p = migrationsProject({
      '0003_loses_a_deadlock.sql': `create table after_deadlock (id int);\n${losesDeadlock('deadlock_tries', 2)}`,
    });
    const run = await up(p, '--lock-retries', '5', '--lock-backoff', '50ms');
    expect(run.code).toBe(0);
    expect(run.json().units[0]).toMatchObject({ name: '0003_loses_a_deadlock', action: 'applied', attempts: 3 });
    const rows = await historyOf('0003_loses_a_deadlock');
    expect(rows.map((r) => r.event)).toEqual(['applied']);
    expect(rows[0].detail.retried.map((a: { code: string }) => a.code)).toEqual(['40P01', '40P01']);
  });

  test('the Markdown report of the run shows each unit\'s attempts', async () => {
    await db.sql`create sequence markdown_tries`;
    const p = migrationsProject({ '0005_md_retried.sql': `create table after_md (id int);\n${losesDeadlock('markdown_tries', 1)}` });
    const run = await runCli(['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--format', 'markdown', '--lock-retries', '3', '--lock-backoff', '50ms']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\| unit \| kind \| action \| duration \| attempts \| lock waits \| detail \|/);
    expect(run.stdout).toMatch(/\| 0005_md_retried \| migration \| applied \| \d+ ms \| 2 \|/);
  });

  test('when the retries run out: exit 5, one failed row listing the attempts, the unit rolled back', async () => {
    await db.sql`create sequence always_tries`;
    const p = migrationsProject({
      '0004_always_deadlocks.sql': `create table never_stays (id int);\n${losesDeadlock('always_tries', 1000)}`,
    });
    const run = await up(p, '--lock-retries', '2', '--lock-backoff', '50ms');
    expect(run.code).toBe(5);
    expect(run.json().units[0]).toMatchObject({ name: '0004_always_deadlocks', action: 'failed', attempts: 3 });
    expect(run.json().error.message).toMatch(/after 3 attempts/);
    const [{ n }] = await db.sql`select last_value::int as n from always_tries`;
    expect(n).toBe(3);
    const rows = await historyOf('0004_always_deadlocks');
    expect(rows.map((r) => r.event)).toEqual(['failed']);
    expect(rows[0].detail.retried).toHaveLength(2);
    const [{ t }] = await db.sql`select to_regclass('public.never_stays') as t`;
    expect(t).toBeNull();
  });

  test('--single-transaction retries the whole transaction', async () => {
    await db.sql`create sequence single_tries`;
    const p = migrationsProject({
      '0005_first_of_two.sql': 'create table single_a (id int);\n',
      '0006_second_of_two.sql': `create table single_b (id int);\n${losesDeadlock('single_tries', 1)}`,
    });
    const run = await up(p, '--single-transaction', '--lock-retries', '3', '--lock-backoff', '50ms');
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { action: string }) => u.action)).toEqual(['applied', 'applied']);
    const [{ a, b }] = await db.sql`select to_regclass('public.single_a') is not null as a, to_regclass('public.single_b') is not null as b`;
    expect([a, b]).toEqual([true, true]);
  });

  test('--lock-retries 0: the first lock failure ends the run', async () => {
    await db.sql`create sequence zero_tries`;
    const p = migrationsProject({ '0007_no_retry.sql': losesDeadlock('zero_tries', 1000) });
    const run = await up(p, '--lock-retries', '0');
    expect(run.code).toBe(5);
    const [{ n }] = await db.sql`select last_value::int as n from zero_tries`;
    expect(n).toBe(1);
  });
});
