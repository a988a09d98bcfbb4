import { findGaps, statementDeps, type ObjectRef } from '../../src/analysis';
import { one, statements } from './support/sql';

const plain = (refs: ObjectRef[]): string[] => refs.map((r) => `${r.kind} ${r.name}`);

/** The three 0024 prerequisites, in the shape of the original file. */
const SQL_0024 = `-- 0024-like
CREATE TABLE sync_preview_cache (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id uuid REFERENCES organization(id)
);

CREATE POLICY preview_cache_select ON sync_preview_cache
    FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM auth.users_extended u WHERE u.id = auth.uid()));

GRANT SELECT, INSERT ON sync_preview_cache TO authenticated;
`;

const PREREQUISITES = `
CREATE TABLE organization (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name varchar(255) NOT NULL);
CREATE SCHEMA auth;
CREATE TABLE auth.users_extended (id uuid PRIMARY KEY, org_id uuid NOT NULL REFERENCES organization(id));
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.current_user_id', true), '')::uuid $$;
CREATE ROLE authenticated NOLOGIN;
`;

const onlyUsers = (r: ObjectRef): boolean => r.kind === 'relation' && r.name === 'public.users';

describe('findGaps', () => {
  it('finds the five missing 0024 prerequisites, each once, at the line that references it', async () => {
    const gaps = findGaps([{ unit: '0024', file: '0024.sql', statements: await statements(SQL_0024) }], onlyUsers);
    expect(gaps).toEqual([
      { unit: '0024', file: '0024.sql', line: 4, kind: 'relation', name: 'public.organization' },
      { unit: '0024', file: '0024.sql', line: 8, kind: 'role', name: 'authenticated' },
      { unit: '0024', file: '0024.sql', line: 9, kind: 'schema', name: 'auth' },
      { unit: '0024', file: '0024.sql', line: 9, kind: 'relation', name: 'auth.users_extended' },
      { unit: '0024', file: '0024.sql', line: 9, kind: 'function', name: 'auth.uid' },
    ]);
  });

  it('finds no gaps when an earlier unit creates them', async () => {
    const gaps = findGaps(
      [
        { unit: 'prereq', file: 'p.sql', statements: await statements(PREREQUISITES) },
        { unit: '0024', file: '0024.sql', statements: await statements(SQL_0024) },
      ],
      onlyUsers,
    );
    expect(gaps).toEqual([]);
  });

  it('counts what a DO block creates with SQL written in its body (create-if-absent)', async () => {
    const prereq = PREREQUISITES.replace(
      'CREATE ROLE authenticated NOLOGIN;',
      () => "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF; END $$;",
    );
    const gaps = findGaps(
      [
        { unit: 'prereq', file: 'p.sql', statements: await statements(prereq) },
        { unit: '0024', file: '0024.sql', statements: await statements(SQL_0024) },
      ],
      onlyUsers,
    );
    expect(gaps).toEqual([]);
  });

  it('after dynamic SQL, a missing object it may create is uncertain and names the DO block; what it cannot create stays a gap', async () => {
    const units = [
      { unit: 'a', file: 'a.sql', statements: await statements("CREATE TABLE log (id int, at date) PARTITION BY RANGE (at);\nDO $$ BEGIN\n  EXECUTE format('CREATE TABLE %I PARTITION OF log DEFAULT', 'log_default');\nEND $$;") },
      { unit: 'b', file: 'b.sql', statements: await statements('ALTER TABLE log_default ADD COLUMN note text;\nSELECT app.f();') },
      { unit: 'c', file: 'c.sql', statements: await statements("DO $$ BEGIN EXECUTE v_sql; END $$;\nGRANT SELECT ON log TO reporting;") },
    ];
    expect(findGaps(units, () => false)).toEqual([
      { unit: 'b', file: 'b.sql', line: 1, kind: 'relation', name: 'public.log_default', uncertain: { unit: 'a', file: 'a.sql', line: 2, reason: "the DO block runs dynamic SQL (EXECUTE CREATE TABLE %I PARTITION OF log DEFAULT)" } },
      { unit: 'b', file: 'b.sql', line: 2, kind: 'schema', name: 'app' },
      { unit: 'b', file: 'b.sql', line: 2, kind: 'function', name: 'app.f' },
      { unit: 'c', file: 'c.sql', line: 2, kind: 'role', name: 'reporting', uncertain: { unit: 'c', file: 'c.sql', line: 1, reason: 'the DO block runs dynamic SQL (EXECUTE a statement built at run time)' } },
    ]);
  });

  it('indexes behind PRIMARY KEY, UNIQUE and EXCLUDE constraints are created relations, renamed with their constraint', async () => {
    const units = [
      { unit: 'a', file: 'a.sql', statements: await statements(`CREATE TABLE app.teams (id int PRIMARY KEY, name text UNIQUE, slug text, CONSTRAINT teams_slug UNIQUE (slug));
CREATE TABLE a_table_whose_name_is_long_enough_to_be_cut_by_postgresql_x (a_column_name_that_is_long int UNIQUE);
ALTER TABLE app.teams ADD COLUMN code text, ADD UNIQUE (code, name);
CREATE INDEX ON app.teams (lower(name));
CREATE UNIQUE INDEX teams_code_idx2 ON app.teams (code);
ALTER TABLE app.teams ADD CONSTRAINT teams_code_uq UNIQUE USING INDEX teams_code_idx2;`) },
      { unit: 'b', file: 'b.sql', statements: await statements(`ALTER INDEX app.teams_pkey RENAME TO teams_pk;
ALTER INDEX app.teams_name_key RENAME TO teams_name_uq;
ALTER INDEX app.teams_slug RENAME TO teams_slug_uq;
ALTER INDEX app.teams_code_name_key RENAME TO teams_code_name_uq;
ALTER INDEX app.teams_lower_idx RENAME TO teams_lower_name;
ALTER INDEX a_table_whose_name_is_long_enoug_a_column_name_that_is_long_key RENAME TO long_key;
ALTER TABLE app.teams RENAME CONSTRAINT teams_code_uq TO teams_code_key;
ALTER INDEX app.teams_code_key SET (fillfactor = 90);
ALTER INDEX app.teams_code_uq SET (fillfactor = 90);
ALTER INDEX app.teams_code_idx2 SET (fillfactor = 90);`) },
    ];
    expect(findGaps(units, (r) => r.name === 'app').map((g) => `${g.unit}:${g.line} ${g.kind} ${g.name}`)).toEqual([
      'b:9 relation app.teams_code_uq',
      'b:10 relation app.teams_code_idx2',
    ]);
  });

  it('what CREATE EXTENSION provides, for the extensions the analysis knows; an unknown one makes later names uncertain', async () => {
    const units = [
      { unit: 'a', file: 'a.sql', statements: await statements(`CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION "uuid-ossp" WITH SCHEMA ext;
CREATE TABLE comment (id uuid DEFAULT ext.uuid_generate_v4(), path ltree NOT NULL DEFAULT '0', depth int GENERATED ALWAYS AS (nlevel(path)) STORED);
UPDATE comment SET path = text2ltree('0.' || id::text);
CREATE INDEX idx_path_gist ON comment USING gist (path);`) },
      { unit: 'b', file: 'b.sql', statements: await statements(`CREATE EXTENSION timescaledb;
SELECT create_hypertable('metrics', 'at');
CREATE TABLE audit (who text DEFAULT app_user());
GRANT SELECT ON audit TO reporting;`) },
    ];
    const gaps = findGaps(units, (r) => r.kind === 'schema' && r.name === 'ext');
    expect(gaps.map((g) => `${g.unit}:${g.line} ${g.kind} ${g.name}${g.uncertain ? ` (uncertain: ${g.uncertain.reason})` : ''}`)).toEqual([
      'b:2 function public.create_hypertable (uncertain: CREATE EXTENSION timescaledb: an extension the analysis does not know)',
      'b:3 function public.app_user (uncertain: CREATE EXTENSION timescaledb: an extension the analysis does not know)',
      'b:4 role reporting',
    ]);
  });

  it('unqualified system catalogs resolve to pg_catalog, and the database\'s own search path is asked for the bare name', async () => {
    const asked: string[] = [];
    const exists = (r: ObjectRef): boolean => {
      asked.push(`${r.kind} ${r.name}`);
      return r.name.startsWith('pg_catalog.pg_') || r.name === 'citext';
    };
    const units = [{ unit: 'u', file: 'u.sql', statements: await statements("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid;\nCREATE TABLE t (email citext);") }];
    expect(findGaps(units, exists)).toEqual([]);
    expect(asked).toEqual(expect.arrayContaining(['relation pg_catalog.pg_index', 'relation pg_catalog.pg_class', 'type citext']));
  });

  it('reports a gap again in a later unit, and treats a dropped object as missing', async () => {
    const units = [
      { unit: 'a', file: 'a.sql', statements: await statements('GRANT SELECT ON users TO reporter;') },
      { unit: 'b', file: 'b.sql', statements: await statements('DROP TABLE users;\nSELECT * FROM users;\nGRANT SELECT ON users TO reporter;') },
    ];
    expect(findGaps(units, onlyUsers).map((g) => `${g.unit}:${g.line} ${g.kind} ${g.name}`)).toEqual([
      'a:1 role reporter',
      'b:2 relation public.users',
      'b:3 role reporter',
    ]);
  });

  it('asks exists() with normalised names and honours SET search_path', async () => {
    const asked: string[] = [];
    const exists = (r: ObjectRef): boolean => {
      asked.push(`${r.kind} ${r.name}`);
      return r.name === 'app.widgets';
    };
    const units = [{ unit: 'u', file: 'u.sql', statements: await statements('SET search_path TO app, public;\nSELECT * FROM widgets;') }];
    expect(findGaps(units, exists)).toEqual([]);
    expect(asked).toContain('relation app.widgets');
  });
});

describe('the names PostgreSQL gives indexes it names itself', () => {
  it('matches what PostgreSQL 15 and 17 call them, 63-byte truncation included', async () => {
    const table = 'a_table_whose_name_is_long_enough_to_be_cut_by_postgresql_x';
    const d = statementDeps(await one(`CREATE TABLE ${table} (a_column_name_that_is_long int UNIQUE, b int, c int, EXCLUDE USING btree (b WITH =), UNIQUE (b, c))`));
    expect(plain(d.creates).filter((c) => c.includes('_key') || c.includes('_excl'))).toEqual([
      'relation public.a_table_whose_name_is_long_enoug_a_column_name_that_is_long_key',
      'relation public.a_table_whose_name_is_long_enough_to_be_cut_by_postgresq_b_excl',
      'relation public.a_table_whose_name_is_long_enough_to_be_cut_by_postgres_b_c_key',
    ]);
    expect(plain(statementDeps(await one(`CREATE INDEX ON ${table} (lower(b::text), b, b)`)).creates))
      .toEqual(['relation public.a_table_whose_name_is_long_enough_to_be_cut_by_p_lower_b_b1_idx']);
  });
});

describe('statementDeps', () => {
  it('CREATE TABLE: schema, column types, references, CHECK/DEFAULT calls, partition parent, serial sequence', async () => {
    const d = statementDeps(await one(`CREATE TABLE app.log_2025 PARTITION OF app.log FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')`));
    expect(plain(d.needs)).toEqual(['schema app', 'relation app.log']);
    expect(plain(d.creates)).toEqual(['relation app.log_2025', 'type app.log_2025']);

    const t = statementDeps(await one(`CREATE TABLE t (
      id bigserial PRIMARY KEY,
      kind sync_type NOT NULL DEFAULT 'odoo',
      owner uuid REFERENCES "user"(id),
      parent bigint REFERENCES t(id),
      score numeric(10,2) CHECK (score >= util.min_score()),
      at timestamptz DEFAULT now(),
      tags text[],
      FOREIGN KEY (owner) REFERENCES auth.users_extended(id)
    )`));
    expect(plain(t.needs)).toEqual([
      'type public.sync_type', 'relation public.user', 'schema util', 'function util.min_score',
      'schema auth', 'relation auth.users_extended',
    ]);
    expect(plain(t.creates)).toEqual(['relation public.t', 'type public.t', 'relation public.t_id_seq', 'relation public.t_pkey']);
  });

  it('CREATE POLICY: table, roles except PUBLIC/CURRENT_USER, functions and relations in sub-selects', async () => {
    const d = statementDeps(await one(`CREATE POLICY p ON s.items FOR ALL TO authenticated, PUBLIC, CURRENT_USER
      USING (org_id IN (SELECT org_id FROM memberships m WHERE m.user_id = auth.uid()))
      WITH CHECK (public.can_write(org_id) AND coalesce(current_setting('x', true), '') <> '')`));
    expect(plain(d.needs)).toEqual([
      'schema s', 'relation s.items', 'role authenticated', 'relation public.memberships',
      'schema auth', 'function auth.uid', 'function public.can_write',
    ]);
  });

  it('CREATE FUNCTION: creates schema.name, needs non-built-in types and languages, ignores the body', async () => {
    const f = statementDeps(await one(`CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE plpgsql AS $$ BEGIN RETURN missing_fn(); END $$`));
    expect(plain(f.needs)).toEqual(['schema auth']);
    expect(plain(f.creates)).toEqual(['function auth.uid']);
    const g = statementDeps(await one(`CREATE OR REPLACE FUNCTION f(a my_type, b int) RETURNS SETOF app.thing LANGUAGE plpython3u AS 'pass'`));
    expect(plain(g.needs)).toEqual(['type public.my_type', 'schema app', 'type app.thing', 'language plpython3u']);
    const h = statementDeps(await one(`CREATE FUNCTION total(x int) RETURNS int RETURN x + helper(x)`));
    expect(plain(h.needs)).toEqual(['function public.helper']);
  });

  it('CREATE TRIGGER, CREATE INDEX, ALTER TABLE, COMMENT ON', async () => {
    expect(plain(statementDeps(await one(
      'CREATE TRIGGER tr BEFORE UPDATE ON sync_progress FOR EACH ROW EXECUTE FUNCTION update_sync_progress_timestamp()',
    )).needs)).toEqual(['relation public.sync_progress', 'function public.update_sync_progress_timestamp']);
    const idx = statementDeps(await one('CREATE INDEX idx_a ON app.t (lower(name))'));
    expect(plain(idx.needs)).toEqual(['schema app', 'relation app.t']);
    expect(plain(idx.creates)).toEqual(['relation app.idx_a']);
    expect(plain(statementDeps(await one(
      'ALTER TABLE t ENABLE ROW LEVEL SECURITY, ADD COLUMN k kind_t, ADD CONSTRAINT fk FOREIGN KEY (o) REFERENCES organization(id)',
    )).needs)).toEqual(['relation public.t', 'type public.kind_t', 'relation public.organization']);
    expect(plain(statementDeps(await one("COMMENT ON COLUMN auth.users_extended.email IS 'x'")).needs))
      .toEqual(['schema auth', 'relation auth.users_extended']);
  });

  it('GRANT / REVOKE: objects and grantees', async () => {
    expect(plain(statementDeps(await one('GRANT USAGE ON SCHEMA auth TO authenticated, anon')).needs))
      .toEqual(['schema auth', 'role authenticated', 'role anon']);
    expect(plain(statementDeps(await one('GRANT EXECUTE ON FUNCTION auth.uid() TO authenticated')).needs))
      .toEqual(['schema auth', 'function auth.uid', 'role authenticated']);
    expect(plain(statementDeps(await one('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC')).needs)).toEqual([]);
    expect(plain(statementDeps(await one('GRANT authenticated TO app_user')).needs))
      .toEqual(['role authenticated', 'role app_user']);
  });

  it('enums, schemas, roles, DO, DML and DROP', async () => {
    const e = statementDeps(await one("CREATE TYPE app.sync_status AS ENUM ('pending')"));
    expect([plain(e.needs), plain(e.creates)]).toEqual([['schema app'], ['type app.sync_status']]);
    expect(plain(statementDeps(await one('CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION admin')).creates)).toEqual(['schema auth']);
    expect(plain(statementDeps(await one('CREATE ROLE authenticated NOLOGIN')).creates)).toEqual(['role authenticated']);
    // DO: what SQL written in its body creates counts (whichever branch ran, it is there after);
    // dynamic SQL makes it opaque for the kinds of object the SQL text may create.
    expect(statementDeps(await one("DO $$ BEGIN IF true THEN CREATE ROLE x; END IF; END $$"))).toEqual({
      needs: [], creates: [{ kind: 'role', name: 'x' }], drops: [],
    });
    expect(statementDeps(await one("DO $$ BEGIN EXECUTE 'CREATE ROLE y'; RAISE NOTICE 'create; grant'; END $$")))
      .toEqual({ needs: [], creates: [], drops: [], opaque: { reason: 'the DO block runs dynamic SQL (EXECUTE CREATE ROLE y)', kinds: ['role'] } });
    expect(statementDeps(await one("DO $$ BEGIN CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION f(); END $$"))).toEqual({ needs: [], creates: [], drops: [] });
    expect(plain(statementDeps(await one(
      "WITH recent AS (SELECT * FROM orders) INSERT INTO audit (n) SELECT count(*) FROM recent JOIN app.customers c ON true WHERE app.is_vip(c.id)",
    )).needs)).toEqual(['relation public.audit', 'schema app', 'relation app.customers', 'function app.is_vip', 'relation public.orders']);
    const drop = statementDeps(await one('DROP TABLE IF EXISTS sync_progress, app.x CASCADE'));
    expect([plain(drop.needs), plain(drop.drops)]).toEqual([
      [], ['relation public.sync_progress', 'type public.sync_progress', 'relation app.x', 'type app.x'],
    ]);
    expect(plain(statementDeps(await one('DROP POLICY p ON t')).needs)).toEqual(['relation public.t']);
  });

  it('leaves built-in functions and types out', async () => {
    const d = statementDeps(await one(`CREATE TABLE b (
      a uuid DEFAULT gen_random_uuid(), b jsonb DEFAULT jsonb_build_object('k', 1), c varchar(10),
      d timestamptz DEFAULT now(), e numeric CHECK (e > 0), f text DEFAULT format('%s', 1), g boolean,
      h int4range, i pg_catalog.int8, j date DEFAULT CURRENT_DATE, k interval DEFAULT '1 hour'::interval
    )`));
    expect(d.needs).toEqual([]);
  });

  it('uses the search path for unqualified names', async () => {
    const d = statementDeps(await one('CREATE TABLE t (id int REFERENCES parent(id))'), { searchPath: ['app'] });
    expect(plain(d.needs)).toEqual(['schema app', 'relation app.parent']);
    expect(d.needs[1].implicitSchema).toBe(true);
    expect(plain(d.creates)).toEqual(['relation app.t', 'type app.t']);
  });
});

