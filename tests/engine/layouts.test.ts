import { freshDatabase, type TestDatabase } from '../harness/database';
import { runCli } from '../harness/cli';
import { layoutFolder } from '../harness/layout-project';

const A = 'create table a (id int primary key);\n';
const B = 'create table b (id int primary key, a int references a);\n';
const C = 'create table c (id int primary key);\n';
const D = 'create table d (id int primary key);\n';

/** Each layout: the folder, the units `up` must apply in order, and the version prefix of the first. */
const LAYOUTS: Array<{ layout: string; files: Record<string, string>; order: string[]; first: string }> = [
  {
    layout: 'native',
    files: { '0001_a.sql': A, '0001_a.down.sql': 'drop table a;\n', '0002_b.sql': B, '0002_b.down.sql': 'drop table b;\n' },
    order: ['0001_a', '0002_b'], first: '0001',
  },
  {
    layout: 'golang-migrate',
    files: {
      '000001_a.up.sql': A, '000001_a.down.sql': 'drop table a;\n',
      '000002_b.up.sql': `-- morph:nontransactional\n${B}`, '000002_b.down.sql': 'drop table b;\n',
    },
    order: ['000001_a', '000002_b'], first: '000001',
  },
  {
    layout: 'dbmate',
    files: {
      // The down section drops what the up section creates: if it ran on up, a would not exist.
      '20240101000001_a.sql': `-- migrate:up\n${A}\n-- migrate:down\ndrop table a;\n`,
      '20240101000002_b.sql': `-- migrate:up transaction:false\n${B}\n-- migrate:down transaction:false\ndrop table b;\n`,
    },
    order: ['20240101000001_a', '20240101000002_b'], first: '20240101000001',
  },
  {
    layout: 'flyway',
    files: {
      'V1__a.sql': A, 'U1__a.sql': 'drop table a;\n',
      'V1.1__b.sql': B, 'U1.1__b.sql': 'drop table b;\n',
      // 1.2 before 1.10: part by part, not as text.
      'V1_10__d.sql': D, 'U1_10__d.sql': 'drop table d;\n',
      'V1.2__c.sql': C, 'U1.2__c.sql': 'drop table c;\n',
    },
    order: ['V1__a', 'V1.1__b', 'V1.2__c', 'V1_10__d'], first: '1',
  },
  {
    layout: 'diesel',
    files: {
      '2024-01-01-000001_a/up.sql': A, '2024-01-01-000001_a/down.sql': 'drop table a;\n',
      '2024-01-02-000000_b/up.sql': B, '2024-01-02-000000_b/down.sql': 'drop table b;\n',
    },
    order: ['2024-01-01-000001_a', '2024-01-02-000000_b'], first: '2024-01-01-000001',
  },
  {
    layout: 'node-pg-migrate (SQL files)',
    files: {
      '1700000000000_create-a.sql': `-- Up Migration\n${A}\n-- Down Migration\ndrop table a;\n`,
      '1700000000001_create-b.sql': `-- Up Migration\n${B}\n-- Down Migration\ndrop table b;\n`,
    },
    order: ['1700000000000_create-a', '1700000000001_create-b'], first: '1700000000000',
  },
];

describe.each(LAYOUTS)('the $layout layout', ({ files, order, first }) => {
  let db: TestDatabase;
  const folder = layoutFolder(files);
  const args = () => ['--database-url', db.url, '--migrations-dir', folder.migrationsDir];
  const tables = async () => (await db.sql<{ t: string }[]>`select tablename as t from pg_tables where schemaname = 'public' order by 1`).map((r) => r.t);
  beforeAll(async () => {
    db = await freshDatabase('layouts');
  });
  afterAll(async () => db.drop());

  test('up applies every unit in version order, up steps only', async () => {
    const run = await runCli([...args(), 'up', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual(order.map((n) => `${n} applied`));
    expect(await tables()).toEqual(['a', 'b', 'c', 'd'].slice(0, order.length));
  });

  test('rolling back the first unit by its version prefix, with its dependants, runs the down steps newest first', async () => {
    const run = await runCli([...args(), 'rollback', first, '--cascade', '--yes', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual([...order].reverse().map((n) => `${n} rolled-back`));
    expect(await tables()).toEqual([]);
    const st = await runCli([...args(), 'status', '--json']);
    expect(st.json().units.map((u: { state: string }) => u.state)).toEqual(order.map(() => 'pending'));
  });

  test('up applies them again', async () => {
    const run = await runCli([...args(), 'up', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().units.map((u: { action: string }) => u.action)).toEqual(order.map(() => 'applied'));
    expect(await tables()).toEqual(['a', 'b', 'c', 'd'].slice(0, order.length));
  });
});

describe('transaction markers of other tools', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase('markers');
  });
  afterAll(async () => db.drop());

  test.each([
    ['morph', { '000001_a.up.sql': `-- morph:nontransactional\n${A}`, '000001_a.down.sql': 'drop table a;\n' }, 'morph:nontransactional'],
    ['dbmate', { '20240101000001_a.sql': `-- migrate:up transaction:false\n${A}\n-- migrate:down\ndrop table a;\n` }, 'transaction:false'],
  ])('%s: plan says the unit runs outside a transaction, and why', async (_tool, files, says) => {
    const folder = layoutFolder(files);
    const run = await runCli(['--database-url', db.url, '--migrations-dir', folder.migrationsDir, 'plan']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('OUTSIDE a transaction');
    expect(run.stdout).toContain(says);
  });

  test('a dbmate unit without the marker runs in a transaction, and a failure leaves nothing behind', async () => {
    const folder = layoutFolder({ '20240101000001_x.sql': `-- migrate:up\ncreate table x (id int);\nselect 1/0;\n-- migrate:down\ndrop table x;\n` });
    const run = await runCli(['--database-url', db.url, '--migrations-dir', folder.migrationsDir, 'up']);
    expect(run.code).toBe(1);
    const [{ x }] = await db.sql`select to_regclass('public.x') as x`;
    expect(x).toBeNull();
  });
});

describe('folders the runner refuses', () => {
  const status = (dir: string) => runCli(['--database-url', 'postgres://nobody@127.0.0.1:1/none', '--migrations-dir', dir, 'status']);

  test.each([
    ['native and golang-migrate', { '0001_a.sql': A, '0002_b.up.sql': B }, '0002_b.up.sql'],
    ['native and Flyway', { '0001_a.sql': A, 'V2__b.sql': B }, 'V2__b.sql'],
    ['dbmate and native', { '0001_a.sql': `-- migrate:up\n${A}`, '0002_b.sql': B }, '0002_b.sql'],
    ['golang-migrate and diesel', { '000001_a.up.sql': A, '2024-01-01-000000_b/up.sql': B }, '2024-01-01-000000_b'],
  ])('a folder mixing %s: exit 2, naming the file', async (_what, files, named) => {
    const run = await status(layoutFolder(files).migrationsDir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(named);
    expect(run.stderr).toContain('holds one layout');
  });

  test('a Flyway repeatable migration is reported as not supported, not ignored', async () => {
    const run = await status(layoutFolder({ 'V1__a.sql': A, 'R__views.sql': 'create view v as select 1;\n' }).migrationsDir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/R__views\.sql is a Flyway repeatable migration \(R__\), which this runner does not support/);
  });

  test('an undo file without its versioned file is refused, naming it', async () => {
    const run = await status(layoutFolder({ 'V1__a.sql': A, 'U2__b.sql': 'drop table b;\n' }).migrationsDir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('U2__b.sql undoes a version that has no V file');
  });

  test('a diesel folder without up.sql is refused, naming it', async () => {
    const run = await status(layoutFolder({ '2024-01-01-000000_a/down.sql': 'drop table a;\n' }).migrationsDir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('2024-01-01-000000_a has no up.sql');
  });
});
