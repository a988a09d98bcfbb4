import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';
import { tempDir } from '../harness/tmp';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('up');
});
afterAll(async () => {
  await db.drop();
});

const args = (p: { migrationsDir: string; phasesDir: string }) => ['--database-url', db.url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];

/**
 * Runs `fn` with a login role that may write the history (and create in public) but not create
 * in schema migrate, given as a database URL; the role is dropped afterwards.
 */
async function asHistoryWriter(label: string, fn: (url: string) => Promise<void>, extraGrants = ''): Promise<void> {
  const role = `migrate_${label}_${db.name.replace(/\W/g, '_')}`.slice(0, 63);
  await db.sql.unsafe(`create role ${role} login password '${label}-pw'`);
  try {
    await db.sql.unsafe(`grant usage on schema migrate to ${role}; grant select, insert on migrate.history to ${role}; ${extraGrants.replaceAll('ROLE', role)}
      grant usage on sequence migrate.history_id_seq to ${role}; grant create on schema public to ${role}`);
    const url = new URL(db.url);
    url.username = role;
    url.password = `${label}-pw`;
    await fn(url.toString());
  } finally {
    await db.sql.unsafe(`drop owned by ${role}; drop role ${role}`);
  }
}

async function historyRows(unit: string) {
  return db.sql<{ event: string }[]>`select event from migrate.history where unit = ${unit} order by id`;
}

describe('migrate up and status', () => {
  const project = migrationsProject({
    '0001_customers.sql': 'create table customers (id int primary key, name text);\ncreate index customers_name_idx on customers (name);\n',
    '0001_customers.down.sql': 'drop table customers;\n',
    '0002_orders.sql': 'create table orders (id int primary key, customer_id int references customers(id));\n',
  });

  test('applies pending migrations in order, recording who, when, checksum and run id', async () => {
    const before = await runCli([...args(project), 'status', '--json']);
    expect(before.code).toBe(0);
    expect(before.json().units.map((u: { state: string }) => u.state)).toEqual(['pending', 'pending']);

    const run = await runCli([...args(project), 'up', '--json']);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ ok: true, dryRun: false, units: [{ name: '0001_customers', action: 'applied' }, { name: '0002_orders', action: 'applied' }] });

    const [t] = await db.sql`select to_regclass('public.orders') is not null as orders, to_regclass('public.customers_name_idx') is not null as idx`;
    expect(t).toEqual({ orders: true, idx: true });
    const rows = await db.sql`select unit, kind, event, length(checksum) as len, db_user, runner_version, run_id from migrate.history where event = 'applied' order by id`;
    expect(rows.map((r) => [r.unit, r.kind, r.event, r.len])).toEqual([['0001_customers', 'migration', 'applied', 64], ['0002_orders', 'migration', 'applied', 64]]);
    expect(rows[0].db_user).toBeTruthy();
    expect(rows[0].run_id).toBe(rows[1].run_id);

    const after = await runCli([...args(project), 'status', '--json']);
    expect(after.json().units).toEqual([
      expect.objectContaining({ name: '0001_customers', kind: 'migration', state: 'applied', appliedAt: expect.any(String), checksum: expect.stringMatching(/^[0-9a-f]{64}$/) }),
      expect.objectContaining({ name: '0002_orders', state: 'applied' }),
    ]);
  });

  test('running again is a no-op that says every unit was skipped', async () => {
    const count = async () => (await db.sql`select count(*)::int as n from migrate.history`)[0].n;
    const n = await count();
    const run = await runCli([...args(project), 'up', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { action: string }) => u.action)).toEqual(['skipped', 'skipped']);
    expect(await count()).toBe(n);
  });

  test('a changed file is reported as drifted and up refuses with exit 3', async () => {
    project.write('0002_orders.sql', 'create table orders (id bigint primary key);\n');
    const st = await runCli([...args(project), 'status', '--json']);
    expect(st.json().units.find((u: { name: string }) => u.name === '0002_orders').state).toBe('drifted');
    const run = await runCli([...args(project), 'up']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/drift: 0002_orders/);
    project.write('0002_orders.sql', 'create table orders (id int primary key, customer_id int references customers(id));\n');
    expect((await runCli([...args(project), 'up'])).code).toBe(0);
  });

  test('a failing unit is rolled back whole: no objects, no applied row, a failed row, exit 1 naming file and line', async () => {
    project.write('0003_broken.sql', 'create table half_done (id int);\ncreate index half_done_idx on half_done (id);\n\ninsert into no_such_table values (1);\n');
    const run = await runCli([...args(project), 'up']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/0003_broken \(up\) failed at .*0003_broken\.sql:4:13: relation "no_such_table" does not exist/);
    const [t] = await db.sql`select to_regclass('public.half_done') as tbl, to_regclass('public.half_done_idx') as idx`;
    expect(t).toEqual({ tbl: null, idx: null });
    expect((await historyRows('0003_broken')).map((r) => r.event)).toEqual(['failed']);
    const st = await runCli([...args(project), 'status', '--json']);
    expect(st.json().units.find((u: { name: string }) => u.name === '0003_broken').state).toBe('pending');
  });

  test('a unit whose verify hook fails is rolled back with it', async () => {
    project.write('0003_broken.sql', 'create table checked (id int);\n');
    project.write('0003_broken.verify.sql', "select 'checked has a primary key' as check, false as ok, 'no primary key on checked' as detail\n");
    const run = await runCli([...args(project), 'up']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/0003_broken \(verify\) failed at .*0003_broken\.verify\.sql: verify failed: checked has a primary key: no primary key on checked/);
    const [{ t }] = await db.sql`select to_regclass('public.checked') as t`;
    expect(t).toBeNull();
    expect((await historyRows('0003_broken')).map((r) => r.event)).not.toContain('applied');
    expect((await historyRows('0003_broken')).at(-1)?.event).toBe('failed');
  });

  test('a syntax error in the last of 40 pending units blocks the run before the first: file:line:column, exit 3, nothing applied', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 40; i++) {
      const id = String(i).padStart(4, '0');
      // ~1 KB each: the check parses many files in one parser call.
      files[`${id}_t${i}.sql`] = `-- ${'padding '.repeat(120)}\ncreate table syntax_t${i} (id int primary key);\n`;
    }
    files['0040_t40.sql'] = 'create table syntax_t40 (id int primary key);\ncreate index on syntax_t40 (id;\n';
    const p = migrationsProject(files);
    const run = await runCli([...args(p), 'up']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/0040_t40\.sql:2:31: syntax error at or near ";"/);
    const [{ n }] = await db.sql`select count(*)::int as n from pg_tables where tablename like 'syntax_t%'`;
    expect(n).toBe(0);
    expect(await historyRows('0001_t1')).toEqual([]);
  });

  test('two numbers alike are a usage error naming both files', async () => {
    const p = migrationsProject({ '0001_a.sql': 'select 1;', '0001_b.sql': 'select 2;' });
    const run = await runCli([...args(p), 'status']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('0001_a.sql');
    expect(run.stderr).toContain('0001_b.sql');
  });
});

describe('consecutive one-round-trip units (sent before the previous COMMIT is answered)', () => {
  const tables = async () => (await db.sql<{ t: string }[]>`select tablename as t from pg_tables where tablename like 'chain_%' order by 1`).map((r) => r.t);

  test('a unit that fails mid-chain stops the chain: the units after it change nothing and leave no history row', async () => {
    const p = migrationsProject({
      '0001_chain_a.sql': 'create table chain_a (id int primary key);\n',
      '0002_chain_b.sql': 'create table chain_b (id int primary key);\nselect 1 / 0;\n',
      '0003_chain_c.sql': 'create table chain_c (id int primary key);\n',
      '0004_chain_d.sql': 'create table chain_d (id int primary key);\n',
    });
    const logFile = path.join(tempDir('migrate-chain-log-'), 'run.jsonl');
    const run = await runCli([...args(p), 'up', '--json', '--log-file', logFile]);
    expect(run.code).toBe(1);
    // Each aborted transaction was closed by its own COMMIT: no stray ROLLBACK warnings.
    expect(readFileSync(logFile, 'utf8')).not.toMatch(/no transaction in progress/);
    expect(run.json().units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual([
      '0001_chain_a applied', '0002_chain_b failed', '0003_chain_c not-run', '0004_chain_d not-run',
    ]);
    expect(run.json().error.message).toMatch(/0002_chain_b.*0002_chain_b\.sql:2:\d+: division by zero/);
    expect(await tables()).toEqual(['chain_a']);
    expect((await historyRows('0002_chain_b')).map((r) => r.event)).toEqual(['failed']);
    expect(await historyRows('0003_chain_c')).toEqual([]);
    expect(await historyRows('0004_chain_d')).toEqual([]);

    // Fixed, the run takes up where it stopped.
    p.write('0002_chain_b.sql', 'create table chain_b (id int primary key);\n');
    const again = await runCli([...args(p), 'up', '--json']);
    expect(again.code).toBe(0);
    expect(await tables()).toEqual(['chain_a', 'chain_b', 'chain_c', 'chain_d']);
  });

  test('a unit whose COMMIT fails (a deferred constraint) stops the chain too', async () => {
    const p = migrationsProject({
      '0001_chain_parent.sql': 'create table chain_parent (id int primary key);\n'
        + 'create table chain_child (id int primary key, parent int references chain_parent deferrable initially deferred);\n',
      '0002_chain_orphan.sql': 'insert into chain_child values (1, 42);\n',
      '0003_chain_after.sql': 'create table chain_after (id int);\n',
    });
    const run = await runCli([...args(p), 'up', '--json']);
    expect(run.code).toBe(1);
    expect(run.json().units.map((u: { action: string }) => u.action)).toEqual(['applied', 'failed', 'not-run']);
    expect(run.json().error.message).toMatch(/violates foreign key constraint/);
    expect(await tables()).toEqual(expect.arrayContaining(['chain_child', 'chain_parent']));
    expect(await tables()).not.toContain('chain_after');
    const [{ n }] = await db.sql`select count(*)::int as n from chain_child`;
    expect(n).toBe(0);
    expect(await historyRows('0003_chain_after')).toEqual([]);
  });

  test('a history schema from before the guard existed gets it, and runs as before', async () => {
    const p = migrationsProject({
      '0001_chain_old.sql': 'create table chain_old (id int);\n',
      '0002_chain_new.sql': 'create table chain_new (id int);\n',
    });
    await db.sql`drop function if exists migrate.require_applied(uuid, text)`;
    const run = await runCli([...args(p), 'up']);
    expect(run.code).toBe(0);
    const [{ guard }] = await db.sql`select to_regprocedure('migrate.require_applied(uuid,text)') is not null as guard`;
    expect(guard).toBe(true);
    expect(await tables()).toEqual(expect.arrayContaining(['chain_new', 'chain_old']));
  });

  // What runners before this one installed: a SQL-language capture_before, planned again at every unit.
  const OLD_CAPTURE = `create or replace function migrate.capture_before(p_run_id uuid, p_unit text, p_objects jsonb, p_schemas text[]) returns void
    language sql as $$ insert into migrate.unit_state (run_id, unit, objects, schemas, before)
    values (p_run_id, p_unit, p_objects, p_schemas, migrate.footprint(p_objects, p_schemas))
    on conflict (run_id, unit) do update set objects = excluded.objects, schemas = excluded.schemas, before = excluded.before $$`;
  const captureLanguage = async () => (await db.sql<{ lang: string }[]>`select l.lanname as lang from pg_proc p join pg_language l on l.oid = p.prolang
    where p.oid = to_regprocedure('migrate.capture_before(uuid,text,jsonb,text[])')`)[0]?.lang;

  test('an older SQL-language capture_before is replaced by the PL/pgSQL one, and the rollback proof still holds', async () => {
    expect((await runCli([...args(migrationsProject({})), 'up'])).code).toBe(0);
    await db.sql.unsafe(OLD_CAPTURE);
    expect(await captureLanguage()).toBe('sql');
    const p = migrationsProject({
      '0001_proof_a.sql': 'create table proof_a (id int);\n',
      '0001_proof_a.down.sql': 'drop table proof_a;\n',
      '0002_proof_b.sql': 'create table proof_b (id int);\n',
      '0002_proof_b.down.sql': 'drop table proof_b;\n',
    });
    expect((await runCli([...args(p), 'up'])).code).toBe(0);
    expect(await captureLanguage()).toBe('plpgsql');
    const [{ n }] = await db.sql`select count(*)::int as n from migrate.unit_state where unit in ('0001_proof_a', '0002_proof_b')`;
    expect(n).toBe(2);
    expect((await runCli([...args(p), 'rollback', '0002', '--yes'])).code).toBe(0);
    const [t] = await db.sql`select to_regclass('public.proof_a') is not null as a, to_regclass('public.proof_b') is not null as b`;
    expect(t).toEqual({ a: true, b: false });
  });

  test('a role that cannot replace the older capture_before still sends units ahead, with their rollback proof', async () => {
    expect((await runCli([...args(migrationsProject({})), 'up'])).code).toBe(0);
    await db.sql.unsafe(OLD_CAPTURE);
    const p = migrationsProject({
      '0001_old_a.sql': 'create table old_a (id int);\n',
      '0001_old_a.down.sql': 'drop table old_a;\n',
      '0002_old_b.sql': 'create table old_b (id int);\n',
      '0002_old_b.down.sql': 'drop table old_b;\n',
    });
    await asHistoryWriter('oldproof', async (url) => {
      const run = await runCli(['--database-url', url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--json']);
      expect(run.code).toBe(0);
      expect(run.json().units.map((u: { action: string }) => u.action)).toEqual(['applied', 'applied']);
      expect(run.stderr).not.toMatch(/one round trip after another/);
    }, 'grant select, insert, update on migrate.unit_state to ROLE;');
    expect(await captureLanguage()).toBe('sql');
    const [{ n }] = await db.sql`select count(*)::int as n from migrate.unit_state where unit in ('0001_old_a', '0002_old_b')`;
    expect(n).toBe(2);
  });

  test('a role that may write the history but not create in its schema runs the units one by one', async () => {
    // The history schema exists (created by postgres); the guard is missing, and this role cannot add it.
    expect((await runCli([...args(migrationsProject({})), 'up'])).code).toBe(0);
    await db.sql`drop function if exists migrate.require_applied(uuid, text)`;
    const p = migrationsProject({
      '0001_chain_w1.sql': 'create table chain_w1 (id int);\n',
      '0002_chain_w2.sql': 'create table chain_w2 (id int);\n',
    });
    await asHistoryWriter('writer', async (url) => {
      const run = await runCli(['--database-url', url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up', '--json']);
      expect(run.code).toBe(0);
      expect(run.json().units.map((u: { action: string }) => u.action)).toEqual(['applied', 'applied']);
      // Its tables, before the role and what it owns are dropped.
      expect(await tables()).toEqual(expect.arrayContaining(['chain_w1', 'chain_w2']));
    });
    const [{ guard }] = await db.sql`select to_regprocedure('migrate.require_applied(uuid,text)') is not null as guard`;
    expect(guard).toBe(false);
  });
});

describe('the run-lock guard', () => {
  test('a role that cannot add migrate.hold_run_lock to an older history schema is refused before anything runs', async () => {
    expect((await runCli([...args(migrationsProject({})), 'up'])).code).toBe(0);
    await db.sql`drop function if exists migrate.hold_run_lock(integer, integer, integer, integer)`;
    await asHistoryWriter('nolock', async (url) => {
      const p = migrationsProject({ '0001_guarded_table.sql': 'create table guarded_table (id int);\n' });
      const run = await runCli(['--database-url', url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir, 'up']);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/lacks migrate\.hold_run_lock.*nothing was run/);
    });
    const [{ t }] = await db.sql`select to_regclass('public.guarded_table') as t`;
    expect(t).toBeNull();
    // The owner's next run puts it back.
    expect((await runCli([...args(migrationsProject({})), 'up'])).code).toBe(0);
    const [{ present }] = await db.sql`select to_regprocedure('migrate.hold_run_lock(integer,integer,integer,integer)') is not null as present`;
    expect(present).toBe(true);
  });
});

describe('logs', () => {
  test('--log-file receives pino JSON lines for each unit, with the run id and no password', async () => {
    const p = migrationsProject({ '0001_logged.sql': 'create table logged (id int);\n' });
    const file = path.join(tempDir('log-'), 'run.jsonl');
    const run = await runCli([...args(p), 'up', '--log-file', file, '--log-level', 'info']);
    expect(run.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ level: 30, unit: '0001_logged', msg: 'applied', durationMs: expect.any(Number), runId: expect.stringMatching(/^[0-9a-f-]{36}$/) })]));
    expect(run.stderr).toMatch(/info {2}applied runId=[0-9a-f]{8} unit=0001_logged durationMs=\d+/);
    const pw = new URL(db.url).password;
    if (pw) expect(readFileSync(file, 'utf8')).not.toContain(pw);
  });
});
