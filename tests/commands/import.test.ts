import { crc32 } from 'node:zlib';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { runOnTerminal } from '../harness/bin';
import { layoutFolder } from '../harness/layout-project';

const A = 'create table a (id int primary key);\n';
const B = '-- the second table\ncreate table b (id int primary key, a int references a);\n';
const C = 'create table c (id int primary key);\n';

/** Flyway's checksum as its Java code computes it: CRC32 updated line by line, without line breaks. */
function flywayCrc(text: string): number {
  let crc = 0;
  for (const line of text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined)) crc = crc32(Buffer.from(line, 'utf8'), crc);
  return crc | 0;
}

type Units = Array<{ name: string; state: string; appliedAt: string | null; appliedBy: string | null; durationMs: number | null }>;

function setup(label: string) {
  const ctx = { db: undefined as unknown as TestDatabase };
  beforeAll(async () => {
    ctx.db = await freshDatabase(label);
  });
  afterAll(async () => ctx.db.drop());
  return ctx;
}

const cli = (db: TestDatabase, dir: string, ...rest: string[]) => runCli(['--database-url', db.url, '--migrations-dir', dir, ...rest]);
const states = async (db: TestDatabase, dir: string) => (await cli(db, dir, 'status', '--json')).json().units as Units;
const historyExists = async (db: TestDatabase) => (await db.sql`select to_regclass('migrate.history') as t`)[0].t !== null;

/** As Flyway 9/10 creates it on PostgreSQL (createMetaDataTable.sql). */
const FLYWAY_DDL = `
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");`;

describe('import --from flyway', () => {
  const ctx = setup('import_flyway');
  const folder = layoutFolder({ 'V1__a.sql': A, 'U1__a.sql': 'drop table a;\n', 'V1.1__b.sql': B, 'V1.2__c.sql': C });

  beforeAll(async () => {
    // What Flyway left behind: two versions applied by "deploy", the third not yet.
    await ctx.db.sql.unsafe(FLYWAY_DDL + A + B);
    await ctx.db.sql`insert into flyway_schema_history values
      (1, '1', 'a', 'SQL', 'V1__a.sql', ${flywayCrc(A)}, 'deploy', '2024-03-01 10:00:00', 12, true),
      (2, '1.1', 'b', 'SQL', 'V1.1__b.sql', ${flywayCrc(B)}, 'deploy', '2024-03-02 11:30:00', 7, true)`;
  });

  test('--dry-run shows what it would record and records nothing', async () => {
    const run = await cli(ctx.db, folder.migrationsDir, 'import', '--from', 'flyway', '--dry-run', '--json');
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual(['V1__a imported', 'V1.1__b imported', 'V1.2__c pending']);
    expect(await historyExists(ctx.db)).toBe(false);
  });

  test('without a terminal and without --yes it refuses (exit 2) and records nothing', async () => {
    const run = await cli(ctx.db, folder.migrationsDir, 'import', '--from', 'flyway');
    expect(run.code).toBe(2);
    expect(await historyExists(ctx.db)).toBe(false);
  });

  test('records the applied versions as imported, with Flyway\'s time and user, running nothing', async () => {
    const run = await cli(ctx.db, folder.migrationsDir, 'import', '--from', 'flyway', '--yes');
    expect(run.code).toBe(0);
    const [{ t1, t2 }] = await ctx.db.sql`select to_char('2024-03-01 10:00:00'::timestamp::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t1,
                                                 to_char('2024-03-02 11:30:00'::timestamp::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t2`;
    expect(await states(ctx.db, folder.migrationsDir)).toEqual([
      expect.objectContaining({ name: 'V1__a', state: 'imported', appliedAt: t1, appliedBy: 'deploy' }),
      expect.objectContaining({ name: 'V1.1__b', state: 'imported', appliedAt: t2, appliedBy: 'deploy' }),
      expect.objectContaining({ name: 'V1.2__c', state: 'pending' }),
    ]);
    const [{ c }] = await ctx.db.sql`select to_regclass('public.c') as c`;
    expect(c).toBeNull();
  });

  test('up then applies only what Flyway had not', async () => {
    const run = await cli(ctx.db, folder.migrationsDir, 'up', '--json');
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual(['V1__a skipped', 'V1.1__b skipped', 'V1.2__c applied']);
  });

  test('importing again records nothing new', async () => {
    const run = await cli(ctx.db, folder.migrationsDir, 'import', '--from', 'flyway', '--yes', '--json');
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { action: string }) => u.action)).toEqual(['already-recorded', 'already-recorded', 'pending']);
    const [{ n }] = await ctx.db.sql`select count(*)::int as n from migrate.history where event = 'imported'`;
    expect(n).toBe(2);
  });

  test('log lists the imported events with where they came from', async () => {
    const run = await cli(ctx.db, folder.migrationsDir, 'log', '--json');
    expect(run.code).toBe(0);
    const events = run.json().events as Array<{ event: string; unit: string; dbUser: string; detail: { from?: string } }>;
    expect(events.filter((e) => e.event === 'imported').map((e) => `${e.unit} ${e.dbUser} ${e.detail.from}`)).toEqual(['V1.1__b deploy flyway', 'V1__a deploy flyway']);
  });
});

describe('import --from flyway refuses an uncertain history (exit 3, with the list)', () => {
  const ctx = setup('import_flyway_bad');
  const folder = layoutFolder({ 'V1__a.sql': A, 'V2__b.sql': B });
  beforeEach(async () => {
    await ctx.db.sql.unsafe(`drop table if exists flyway_schema_history; ${FLYWAY_DDL}`);
  });

  test.each([
    ['a failed entry', [[1, '1', 'V1__a.sql', flywayCrc(A), true], [2, '2', 'V2__b.sql', flywayCrc(B), false]], /V2__b\.sql \(rank 2.*FAILED in Flyway/],
    ['a version with no file', [[1, '1', 'V1__a.sql', flywayCrc(A), true], [2, '3', 'V3__gone.sql', 1234, true]], /Flyway applied version 3 \(V3__gone\.sql\).*no file in the migrations folder/],
    ['a file changed since Flyway applied it', [[1, '1', 'V1__a.sql', flywayCrc(A) + 1, true]], /V1__a: the file is not what Flyway applied/],
  ] as Array<[string, Array<[number, string, string, number, boolean]>, RegExp]>)('%s', async (_what, rows, listed) => {
    for (const [rank, version, script, sum, ok] of rows) {
      await ctx.db.sql`insert into flyway_schema_history values (${rank}, ${version}, 'x', 'SQL', ${script}, ${sum}, 'deploy', now(), 1, ${ok})`;
    }
    const run = await cli(ctx.db, folder.migrationsDir, 'import', '--from', 'flyway', '--yes');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(listed);
    expect(await historyExists(ctx.db) ? (await ctx.db.sql`select count(*)::int as n from migrate.history`)[0].n : 0).toBe(0);
  });
});

describe('import --from golang-migrate', () => {
  const ctx = setup('import_golang');
  const folder = layoutFolder({
    '000001_a.up.sql': A, '000001_a.down.sql': 'drop table a;\n',
    '000002_b.up.sql': B, '000002_b.down.sql': 'drop table b;\n',
    '000003_c.up.sql': C, '000003_c.down.sql': 'drop table c;\n',
  });
  // As golang-migrate's postgres driver creates it.
  const DDL = 'CREATE TABLE IF NOT EXISTS "schema_migrations" (version bigint not null primary key, dirty boolean not null)';

  test('a dirty version is refused (exit 3), nothing recorded', async () => {
    await ctx.db.sql.unsafe(`${DDL}; ${A}`);
    await ctx.db.sql`insert into schema_migrations values (2, true)`;
    const run = await cli(ctx.db, folder.migrationsDir, 'import', '--from', 'golang-migrate', '--yes');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/version 2 is dirty/);
    expect(await historyExists(ctx.db)).toBe(false);
  });

  test('a clean version: every file up to it is imported, and up applies the rest', async () => {
    await ctx.db.sql.unsafe(B);
    await ctx.db.sql`update schema_migrations set dirty = false`;
    const run = await cli(ctx.db, folder.migrationsDir, 'import', '--from', 'golang-migrate', '--yes', '--json');
    expect(run.code).toBe(0);
    expect((await states(ctx.db, folder.migrationsDir)).map((u) => `${u.name} ${u.state}`)).toEqual(['000001_a imported', '000002_b imported', '000003_c pending']);
    // golang-migrate keeps no time, user or duration: the duration is not made up.
    expect((await states(ctx.db, folder.migrationsDir))[0]).toMatchObject({ durationMs: null });
    const up = await cli(ctx.db, folder.migrationsDir, 'up', '--json');
    expect(up.code).toBe(0);
    expect(up.json().units.map((u: { action: string }) => u.action)).toEqual(['skipped', 'skipped', 'applied']);
  });
});

describe('import --from dbmate', () => {
  const ctx = setup('import_dbmate');
  const unit = (sql: string, table: string) => `-- migrate:up\n${sql}\n-- migrate:down\ndrop table ${table};\n`;
  const folder = layoutFolder({ '20240101000001_a.sql': unit(A, 'a'), '20240101000002_b.sql': unit(B, 'b'), '20240101000003_c.sql': unit(C, 'c') });

  beforeAll(async () => {
    // As dbmate's postgres driver creates it.
    await ctx.db.sql.unsafe(`create table if not exists "schema_migrations" (version varchar(128) primary key); ${A} ${B}`);
  });

  test('a recorded version with no file is refused (exit 3), naming it', async () => {
    await ctx.db.sql`insert into schema_migrations values ('20231231000000'), ('20240101000001'), ('20240101000002')`;
    const run = await cli(ctx.db, folder.migrationsDir, 'import', '--from', 'dbmate', '--yes');
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('dbmate applied version 20231231000000');
  });

  test('each recorded version is imported, and up applies the rest', async () => {
    await ctx.db.sql`delete from schema_migrations where version = '20231231000000'`;
    expect((await cli(ctx.db, folder.migrationsDir, 'import', '--from', 'dbmate', '--yes')).code).toBe(0);
    const up = await cli(ctx.db, folder.migrationsDir, 'up', '--json');
    expect(up.code).toBe(0);
    expect(up.json().units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual(['20240101000001_a skipped', '20240101000002_b skipped', '20240101000003_c applied']);
  });
});

describe('import --from node-pg-migrate', () => {
  const ctx = setup('import_npm');
  const folder = layoutFolder({ '1700000000000_create-a.sql': A, '1700000000001_create-b.sql': B, '1700000000002_create-c.sql': C });

  beforeAll(async () => {
    // As node-pg-migrate creates it.
    await ctx.db.sql.unsafe(`CREATE TABLE "public"."pgmigrations" ( id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL); ${A} ${B}`);
    await ctx.db.sql`insert into pgmigrations (name, run_on) values ('1700000000000_create-a', '2024-02-01 09:00:00'), ('1700000000001_create-b', '2024-02-01 09:00:01')`;
  });

  test('each recorded migration is imported with its run time, and up applies the rest', async () => {
    expect((await cli(ctx.db, folder.migrationsDir, 'import', '--from', 'node-pg-migrate', '--yes')).code).toBe(0);
    const [{ t }] = await ctx.db.sql`select to_char('2024-02-01 09:00:00'::timestamp::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t`;
    const st = await states(ctx.db, folder.migrationsDir);
    expect(st.map((u) => `${u.name} ${u.state}`)).toEqual(['1700000000000_create-a imported', '1700000000001_create-b imported', '1700000000002_create-c pending']);
    expect(st[0].appliedAt).toBe(t);
    const up = await cli(ctx.db, folder.migrationsDir, 'up', '--json');
    expect(up.code).toBe(0);
    expect(up.json().units.map((u: { action: string }) => u.action)).toEqual(['skipped', 'skipped', 'applied']);
  });
});

describe('import asks first on a terminal', () => {
  const ctx = setup('import_terminal');
  const folder = layoutFolder({ '0001_a.sql': A, '0002_b.sql': B });

  test('it shows the target and what it will record; "n" records nothing, "y" records', async () => {
    await ctx.db.sql.unsafe(`create table if not exists "schema_migrations" (version varchar(128) primary key); ${A}`);
    await ctx.db.sql`insert into schema_migrations values ('0001')`;
    const line = `migrate --database-url '${ctx.db.url}' --migrations-dir '${folder.migrationsDir}' import --from dbmate`;
    const no = await runOnTerminal(line, { input: 'n\n' });
    expect(no.code).toBe(3);
    expect(no.stdout).toContain(`Target: database ${ctx.db.name}`);
    expect(no.stdout).toContain('✓ 0001_a  (version 0001)');
    expect(no.stdout).toMatch(/Record 1 unit\(s\) as imported on .*\[y\/N\]/);
    expect((await ctx.db.sql`select count(*)::int as n from migrate.history`)[0].n).toBe(0);
    const yes = await runOnTerminal(line, { input: 'y\n' });
    expect(yes.code).toBe(0);
    expect((await ctx.db.sql`select unit from migrate.history where event = 'imported'`).map((r) => r.unit)).toEqual(['0001_a']);
  });
});

describe('import --from flyway: baseline and undo rows', () => {
  const ctx = setup('import_flyway_rows');
  const folder = layoutFolder({ 'V1__a.sql': A, 'V2__b.sql': B, 'U2__b.sql': 'drop table b;\n', 'V3__c.sql': C });

  test('a baseline counts the versions up to it; a version undone afterwards is not applied', async () => {
    await ctx.db.sql.unsafe(FLYWAY_DDL + A);
    // As Flyway writes them: the schema row, a baseline at 1, V2 applied, then undone (Teams), V3 applied.
    await ctx.db.sql`insert into flyway_schema_history values
      (0, null, '<< Flyway Schema Creation >>', 'SCHEMA', '"public"', null, 'deploy', '2024-01-01 00:00:00', 0, true),
      (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', null, 'deploy', '2024-01-01 00:00:01', 0, true),
      (2, '2', 'b', 'SQL', 'V2__b.sql', ${flywayCrc(B)}, 'deploy', '2024-01-02 00:00:00', 5, true),
      (3, '2', 'b', 'UNDO_SQL', 'U2__b.sql', ${flywayCrc('drop table b;\n')}, 'deploy', '2024-01-03 00:00:00', 3, true),
      (4, '3', 'c', 'SQL', 'V3__c.sql', ${flywayCrc(C)}, 'deploy', '2024-01-04 00:00:00', 4, true)`;
    await ctx.db.sql.unsafe(C);
    const run = await cli(ctx.db, folder.migrationsDir, 'import', '--from', 'flyway', '--yes', '--json');
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual(['V1__a imported', 'V2__b pending', 'V3__c imported']);
    const up = await cli(ctx.db, folder.migrationsDir, 'up', '--json');
    expect(up.code).toBe(0);
    expect(up.json().units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual(['V1__a skipped', 'V2__b applied', 'V3__c skipped']);
  });
});
