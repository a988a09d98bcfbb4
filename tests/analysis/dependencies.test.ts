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
  it('finds the five missing 0024 prerequisites, each once, at its first line', async () => {
    const gaps = findGaps([{ unit: '0024', file: '0024.sql', statements: await statements(SQL_0024) }], onlyUsers);
    expect(gaps).toEqual([
      { unit: '0024', file: '0024.sql', line: 2, kind: 'relation', name: 'public.organization' },
      { unit: '0024', file: '0024.sql', line: 7, kind: 'role', name: 'authenticated' },
      { unit: '0024', file: '0024.sql', line: 7, kind: 'schema', name: 'auth' },
      { unit: '0024', file: '0024.sql', line: 7, kind: 'relation', name: 'auth.users_extended' },
      { unit: '0024', file: '0024.sql', line: 7, kind: 'function', name: 'auth.uid' },
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

  it('cannot see a role created inside a DO block and says so', async () => {
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
    expect(gaps).toEqual([
      {
        unit: '0024', file: '0024.sql', line: 7, kind: 'role', name: 'authenticated', afterOpaque: true,
        mayBeCreatedBy: { unit: 'prereq', file: 'p.sql', line: 7 },
      },
    ]);
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
    expect(plain(t.creates)).toEqual(['relation public.t', 'type public.t', 'relation public.t_id_seq']);
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
    // DO is opaque: nothing it does counts as created, but SQL written in its body is offered as a hint.
    expect(statementDeps(await one("DO $$ BEGIN IF true THEN CREATE ROLE x; END IF; END $$"))).toEqual({
      needs: [], creates: [], drops: [], opaque: true, mayCreate: [{ kind: 'role', name: 'x' }],
    });
    expect(statementDeps(await one("DO $$ BEGIN EXECUTE 'CREATE ROLE y'; RAISE NOTICE 'create; grant'; END $$")))
      .toEqual({ needs: [], creates: [], drops: [], opaque: true });
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

