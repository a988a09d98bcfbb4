import { lintStatements, needsNoTransaction, parseSql, type Finding } from '../../src/analysis';
import { fixture, statements } from './support/sql';

const up = { direction: 'up' as const };
const brief = (fs: Finding[]): string[] => fs.map((f) => `${f.line} ${f.severity} ${f.rule}`);

async function lint(sql: string, ctx: Parameters<typeof lintStatements>[2] = up): Promise<Finding[]> {
  return lintStatements('m.sql', await statements(sql), ctx);
}

describe('lintStatements on the original 0024 and 0023 files', () => {
  it('0024: BEGIN/COMMIT inside the unit and CHECK (expires_at > NOW())', async () => {
    const text = fixture('0024_original_defects.sql');
    // Everything before the RAISE is linted even though the file does not parse.
    const failed = await parseSql('0024.sql', text);
    if (failed.ok) throw new Error('fixture should not parse');
    expect(brief(lintStatements('0024.sql', failed.parsedBefore, up))).toEqual([
      '5 error transaction-control',
      '21 error volatile-check',
    ]);
    // With the RAISE removed the whole file parses and COMMIT is found too.
    const fixed = text.replace("RAISE NOTICE 'sync_preview_cache created';", '-- (removed)');
    const findings = lintStatements('0024.sql', await statements(fixed), up);
    expect(brief(findings)).toEqual(['5 error transaction-control', '21 error volatile-check', '51 error transaction-control']);
    expect(findings[1].message).toMatch(/now\(\), which is not immutable/);
    expect(findings[0].message).toMatch(/BEGIN inside a migration unit/);
    expect(findings[0].file).toBe('0024.sql');
  });

  it('0023: created_by NOT NULL REFERENCES "user"(id) ON DELETE SET NULL', async () => {
    const findings = lintStatements('0023.sql', await statements(fixture('0023_sync_infrastructure_original.sql')), up);
    expect(brief(findings)).toEqual(['9 error not-null-set-null']);
    expect(findings[0].message).toMatch(/public\.woo_customer_sync_queue\.created_by is NOT NULL.*ON DELETE SET NULL/);
  });
});

describe('not-null-set-null', () => {
  it('sees primary-key columns and table-level foreign keys', async () => {
    expect(brief(await lint(`CREATE TABLE a (
      org uuid, id uuid,
      PRIMARY KEY (org, id),
      FOREIGN KEY (org) REFERENCES organization(id) ON DELETE SET NULL
    )`))).toEqual(['4 error not-null-set-null']);
  });

  it('honours ON DELETE SET NULL (columns) and nullable columns', async () => {
    expect(await lint(`CREATE TABLE a (
      org uuid NOT NULL, owner uuid,
      FOREIGN KEY (org, owner) REFERENCES x(org, id) ON DELETE SET NULL (owner)
    )`)).toEqual([]);
    expect(await lint('CREATE TABLE b (owner uuid REFERENCES users(id) ON DELETE SET NULL)')).toEqual([]);
  });

  it('follows ALTER TABLE against what the unit declared earlier', async () => {
    expect(brief(await lint(`CREATE TABLE q (created_by uuid NOT NULL);
ALTER TABLE q ADD CONSTRAINT fk FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE SET NULL;`))).toEqual(['2 error not-null-set-null']);
    expect(brief(await lint(`CREATE TABLE q (created_by uuid REFERENCES users(id) ON DELETE SET NULL);
ALTER TABLE q ALTER COLUMN created_by SET NOT NULL;`))).toEqual(['2 error not-null-set-null']);
    expect(brief(await lint('ALTER TABLE q ADD COLUMN c uuid NOT NULL REFERENCES users(id) ON DELETE SET NULL'))).toEqual([
      '1 error not-null-set-null',
    ]);
  });
});

describe('volatile-check', () => {
  it('errors on known-volatile calls and time value functions, not on immutable ones', async () => {
    const findings = await lint(`CREATE TABLE v (
      a timestamptz CHECK (a > current_timestamp),
      b date CHECK (b <= CURRENT_DATE),
      c float8 CHECK (c < random()),
      d text CHECK (lower(d) = d),
      e uuid CHECK (e <> gen_random_uuid())
    );
ALTER TABLE v ADD CONSTRAINT fresh CHECK (a > clock_timestamp() - interval '1 day');`);
    expect(brief(findings)).toEqual([
      '2 error volatile-check', '3 error volatile-check', '4 error volatile-check',
      '6 error volatile-check', '8 error volatile-check',
    ]);
  });

  it('judges user functions by what the unit declares, and warns when unknown', async () => {
    const findings = await lint(`CREATE FUNCTION is_slug(t text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT t ~ '^[a-z-]+$' $$;
CREATE FUNCTION quota_left(o uuid) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TABLE w (
  slug text CHECK (is_slug(slug)),
  org uuid CHECK (quota_left(org) > 0),
  x int CHECK (app.valid_x(x))
);`);
    expect(brief(findings)).toEqual(['5 error volatile-check', '6 warning volatile-check']);
    expect(findings[1].message).toMatch(/app\.valid_x\(\), whose volatility is unknown/);
  });

  it('checks domains too', async () => {
    expect(brief(await lint("CREATE DOMAIN future_ts AS timestamptz CHECK (VALUE > now())"))).toEqual(['1 error volatile-check']);
  });
});

describe('transaction-control and destructive-up', () => {
  it('flags every transaction statement', async () => {
    expect(brief(await lint('START TRANSACTION;\nSAVEPOINT s;\nROLLBACK TO SAVEPOINT s;\nEND;'))).toEqual([
      '1 error transaction-control', '2 error transaction-control', '3 error transaction-control', '4 error transaction-control',
    ]);
  });

  it('warns about destructive statements in up steps only', async () => {
    const sql = `DROP TABLE legacy;
ALTER TABLE t DROP COLUMN old;
TRUNCATE audit;
DELETE FROM sessions;
DELETE FROM sessions WHERE expires_at < now();
UPDATE users SET active = true;
DROP SCHEMA old_app CASCADE;
DROP TYPE old_enum;`;
    expect(brief(await lint(sql))).toEqual([
      '1 warning destructive-up', '2 warning destructive-up', '3 warning destructive-up',
      '4 warning destructive-up', '6 warning destructive-up', '7 warning destructive-up', '8 warning destructive-up',
    ]);
    expect(await lint(sql, { direction: 'down' })).toEqual([]);
  });

  it('does not flag dropping scaffolding the same unit created', async () => {
    expect(await lint('CREATE TABLE tmp_ids (id int);\nUPDATE tmp_ids SET id = id + 1;\nDROP TABLE tmp_ids;')).toEqual([]);
  });

  it('does not flag the backfill of a column the unit added, but does flag rewriting an older one', async () => {
    expect(await lint("ALTER TABLE users ADD COLUMN tier text;\nUPDATE users SET tier = 'free';\nALTER TABLE users ALTER COLUMN tier SET NOT NULL;")).toEqual([]);
    expect(brief(await lint("ALTER TABLE users ADD COLUMN tier text;\nUPDATE users SET tier = 'free', active = true;"))).toEqual(['2 warning destructive-up']);
    expect(brief(await lint("ALTER TABLE accounts ADD COLUMN tier text;\nUPDATE users SET tier = 'free';"))).toEqual(['2 warning destructive-up']);
  });
});

describe('index-without-concurrently', () => {
  const rows = (n: number | undefined) => ({ direction: 'up' as const, tableRows: (t: string) => (t === 'public.customers' ? n : undefined) });

  it('warns with the row estimate for a populated table', async () => {
    const findings = await lint('CREATE INDEX idx_customers_email ON customers (email);', rows(12345));
    expect(brief(findings)).toEqual(['1 warning index-without-concurrently']);
    expect(findings[0].message).toMatch(/public\.customers \(about 12,345 rows\)/);
  });

  it('is quiet for empty, new or concurrently indexed tables', async () => {
    expect(await lint('CREATE INDEX i ON customers (email);', rows(0))).toEqual([]);
    expect(await lint('CREATE INDEX i ON orders (id);', rows(5))).toEqual([]);
    expect(await lint('CREATE TABLE customers (email text);\nCREATE INDEX i ON customers (email);', rows(99))).toEqual([]);
    expect(brief(await lint('CREATE INDEX CONCURRENTLY i ON customers (email);', rows(99)))).toEqual(['1 warning non-transactional']);
  });
});

describe('non-transactional and needsNoTransaction', () => {
  it.each([
    'CREATE INDEX CONCURRENTLY i ON t (a)',
    'DROP INDEX CONCURRENTLY i',
    'REINDEX TABLE CONCURRENTLY t',
    'REINDEX SCHEMA public',
    'VACUUM t',
    'VACUUM FULL t',
    'CLUSTER',
    'CREATE DATABASE d',
    'DROP DATABASE d',
    'ALTER DATABASE d SET TABLESPACE ts',
    'ALTER SYSTEM SET work_mem = 1',
    "CREATE TABLESPACE ts LOCATION '/x'",
    "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p",
    'ALTER SUBSCRIPTION s REFRESH PUBLICATION',
    'ALTER TABLE p DETACH PARTITION c CONCURRENTLY',
  ])('%s', async (sql) => {
    const stmts = await statements(sql);
    const findings = lintStatements('m.sql', stmts.filter(Boolean), up).filter((f) => f.rule === 'non-transactional');
    expect(brief(findings)).toEqual(['1 warning non-transactional']);
    expect(findings[0].message).toMatch(/cannot run inside a transaction block: the runner executes this step outside a transaction/);
    expect(needsNoTransaction(stmts)).toBe(true);
  });

  it('CLUSTER of one table runs in a transaction, unless the unit made it a partitioned table', async () => {
    expect(needsNoTransaction(await statements('CLUSTER t USING t_pkey'))).toBe(false);
    expect(needsNoTransaction(await statements('CREATE TABLE t (id int PRIMARY KEY) PARTITION BY RANGE (id);\nCLUSTER t USING t_pkey'))).toBe(true);
    expect(needsNoTransaction(await statements("CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (connect = false)"))).toBe(false);
  });

  it('ALTER TYPE … ADD VALUE runs in a transaction; using the new value after it in the same unit does not (55P04)', async () => {
    const alone = await statements("CREATE TYPE s AS ENUM ('a');\nALTER TYPE s ADD VALUE 'b';");
    expect(lintStatements('m.sql', alone, up)).toEqual([]);
    expect(needsNoTransaction(alone)).toBe(false);
    const used = await statements("ALTER TYPE s ADD VALUE 'b';\nCREATE TABLE t (x s);\nINSERT INTO t\n  VALUES ('a'), ('b');");
    const findings = lintStatements('m.sql', used, up);
    expect(brief(findings)).toEqual(['4 warning non-transactional']);
    expect(findings[0].message).toMatch(/'b' is the value of public\.s that line 1 adds: a new enum value cannot be used in the transaction that added it \[55P04\]/);
    expect(needsNoTransaction(used)).toBe(true);
  });

  it('ordinary DDL, ANALYZE and REFRESH MATERIALIZED VIEW CONCURRENTLY can run in a transaction', async () => {
    expect(needsNoTransaction(await statements('REFRESH MATERIALIZED VIEW CONCURRENTLY mv;\nREINDEX TABLE t;\nCHECKPOINT;'))).toBe(false);
    expect(needsNoTransaction(await statements('CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);\nANALYZE t;'))).toBe(false);
  });
});

describe('needs-superuser', () => {
  it.each([
    ['UPDATE pg_index SET indisready = false WHERE indrelid = 1', /writes the system catalog pg_catalog\.pg_index/],
    ['UPDATE pg_catalog.pg_class SET relhasindex = false', /writes the system catalog pg_catalog\.pg_class/],
    ['ALTER TABLE t DISABLE TRIGGER ALL', /foreign-key triggers/],
    ['CREATE EXTENSION pg_stat_statements', /not one PostgreSQL marks trusted/],
    ["COPY t FROM '/tmp/t.csv'", /COPY FROM a server file/],
    ['CREATE ROLE admin SUPERUSER', /grants SUPERUSER/],
    ['SET session_replication_role = replica', /session_replication_role/],
    ['CREATE EVENT TRIGGER e ON ddl_command_end EXECUTE FUNCTION f()', /CREATE EVENT TRIGGER/],
  ])('%s', async (sql, why) => {
    const findings = (await lint(sql)).filter((f) => f.rule === 'needs-superuser');
    expect(brief(findings)).toEqual(['1 warning needs-superuser']);
    expect(findings[0].message).toMatch(why);
  });

  it('is quiet for what a table owner may do', async () => {
    const sql = `SELECT indexrelid FROM pg_index WHERE NOT indisvalid;
UPDATE users SET active = true WHERE id = 1;
ALTER TABLE t DISABLE TRIGGER USER;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION ltree;
COPY t FROM STDIN;
CREATE ROLE app NOLOGIN;`;
    expect((await lint(sql, { direction: 'down' })).filter((f) => f.rule === 'needs-superuser')).toEqual([]);
  });
});
