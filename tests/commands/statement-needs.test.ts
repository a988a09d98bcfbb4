import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { migrationsProject } from '../harness/fixtures';

/** What plan and the runner do with statements that need more than a transaction: a superuser, no transaction at rollback. */
let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase('needs');
});
afterAll(async () => db.drop());

const flags = (p: { migrationsDir: string; phasesDir: string }, url = db.url) => ['--database-url', url, '--migrations-dir', p.migrationsDir, '--phases-dir', p.phasesDir];

describe('statements only a superuser may run', () => {
  test('plan names them and checks the role; as a role that is no superuser plan is BLOCKED and up refuses before anything runs', async () => {
    const p = migrationsProject({
      '0001_load.sql': 'create table loaded (id int primary key);\ncreate index loaded_id_brin on loaded using brin (id);\n',
      '0002_load_fast.sql': "alter table loaded disable trigger all;\ninsert into loaded select generate_series(1, 10);\nalter table loaded enable trigger all;\nupdate pg_index set indisready = true where indexrelid = 'loaded_id_brin'::regclass;\n",
    });
    const asSuperuser = await runCli([...flags(p), 'plan', '--json']);
    expect(asSuperuser.code).toBe(0);
    const unit = asSuperuser.json().units.find((u: { name: string }) => u.name === '0002_load_fast');
    expect(unit.prechecks).toEqual([expect.objectContaining({ check: 'superuser', ok: true, detail: expect.stringMatching(/is a superuser; needed by .*0002_load_fast\.sql:1 .*0002_load_fast\.sql:4 \(it writes the system catalog pg_catalog\.pg_index\)/) })]);
    expect(asSuperuser.json().findings.filter((f: { rule: string }) => f.rule === 'needs-superuser').map((f: { line: number }) => f.line)).toEqual([1, 3, 4]);

    const role = `migrate_plain_${db.name.replace(/\W/g, '_')}`.slice(0, 63);
    await db.sql.unsafe(`create role ${role} login password 'plain-pw'; grant create on schema public to ${role}; grant create on database "${db.name}" to ${role}`);
    try {
      const url = new URL(db.url);
      url.username = role;
      url.password = 'plain-pw';
      const plan = await runCli([...flags(p, url.toString()), 'plan', '--json']);
      expect(plan.code).toBe(3);
      const check = plan.json().units.find((u: { name: string }) => u.name === '0002_load_fast').prechecks.find((c: { check: string }) => c.check === 'superuser');
      expect(check).toMatchObject({ ok: false, detail: expect.stringMatching(new RegExp(`^${role} is not a superuser`)) });
      const up = await runCli([...flags(p, url.toString()), 'up']);
      expect(up.code).toBe(3);
      expect(up.stderr).toMatch(new RegExp(`3 statement\\(s\\) need a superuser, and ${role} is not one; nothing was run`));
      const [{ made }] = await db.sql`select to_regclass('public.loaded') is not null as made`;
      expect(made).toBe(false);
    } finally {
      await db.sql.unsafe(`drop owned by ${role}; drop role ${role}`);
    }
  });
});

describe('a down step that cannot run in a transaction', () => {
  test('runs outside one; --dry-run refuses it; when its proof fails, the result says it could not be undone', async () => {
    const p = migrationsProject({
      '0101_things.sql': 'create table things (id int, code text);\ninsert into things select g, g::text from generate_series(1, 5) g;\n',
      '0101_things.down.sql': 'drop table things;\n',
      '0102_things_code.sql': '-- migrate:no-transaction\ncreate index concurrently things_code_idx on things (code);\n',
      '0102_things_code.down.sql': 'drop index concurrently things_code_idx;\n',
    });
    expect((await runCli([...flags(p), 'up'])).code).toBe(0);
    const plan = await runCli([...flags(p), 'plan', '--json']);
    expect(plan.json().units).toEqual([]);

    const dry = await runCli([...flags(p), 'rollback', '0102', '--dry-run']);
    expect(dry.code).toBe(3);
    expect(dry.stderr).toMatch(/the down step of 0102_things_code must run outside a transaction, so --dry-run cannot include it/);

    const rb = await runCli([...flags(p), 'rollback', '0102', '--yes', '--json']);
    expect(rb.json()).toMatchObject({ ok: true, units: [{ name: '0102_things_code', action: 'rolled-back' }] });
    const [{ idx }] = await db.sql`select to_regclass('public.things_code_idx') is not null as idx`;
    expect(idx).toBe(false);

    // A down step that drops the wrong index: its proof fails, and what it did cannot be undone.
    expect((await runCli([...flags(p), 'up'])).code).toBe(0);
    await db.sql`create index things_code_other on things (code)`;
    p.write('0102_things_code.down.sql', 'drop index concurrently things_code_other;\n');
    const bad = await runCli([...flags(p), 'rollback', '0102', '--yes', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.json().error).toMatchObject({
      message: expect.stringMatching(/0102_things_code \(down\) failed .*rollback did not restore the schema/),
      hint: expect.stringMatching(/ran outside a transaction, so it could not be undone: the database is as the down step left it, and the unit is still recorded as applied/),
    });
    const [{ other, own }] = await db.sql`select to_regclass('public.things_code_other') is not null as other, to_regclass('public.things_code_idx') is not null as own`;
    expect({ other, own }).toEqual({ other: false, own: true });
    const status = await runCli([...flags(p), 'status', '--json']);
    expect(status.json().units.find((u: { name: string }) => u.name === '0102_things_code')).toMatchObject({ state: 'applied' });

    // A down step that does not parse in the server's grammar is refused before anything runs.
    p.write('0102_things_code.down.sql', 'drop index concurrently things_code_idx;\ndrop indx things_code_other;\n');
    const broken = await runCli([...flags(p), 'rollback', '0102', '--yes']);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toMatch(/syntax error in 1 file\(s\) for PostgreSQL \d+; nothing was rolled back/);
    expect(broken.stderr).toMatch(/0102_things_code\.down\.sql:2:6: syntax error at or near "indx"/);
    const [{ still }] = await db.sql`select to_regclass('public.things_code_idx') is not null as still`;
    expect(still).toBe(true);
  });
});
