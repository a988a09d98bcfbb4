import { grammarFor } from '../../src/analysis/grammar';
import { syntaxErrors } from '../../src/analysis/parse';
import { serverFacts } from '../../src/db/server-facts';
import { Session } from '../../src/db/session';
import { serverAccepts, serverSyntaxIssues, syntaxIssues } from '../../src/engine/syntax';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { openSession } from '../harness/session';

let db: TestDatabase;
let s: Session;
let close: () => Promise<void>;
beforeAll(async () => {
  db = await freshDatabase('syntax');
  ({ session: s, close } = await openSession(db.url));
});
afterAll(async () => {
  await close();
  await db.drop();
});

const NO_ALIAS = { file: 'v.sql', text: 'CREATE TABLE t (a int);\n\nCREATE VIEW v AS\n  SELECT * FROM (SELECT a FROM t);\n' };

describe('the grammar of the server major', () => {
  test('PostgreSQL 15 and 13 refuse a subquery in FROM without an alias, 16 and 17 accept it; 14 has no parser here', async () => {
    for (const major of [13, 15]) {
      expect(await syntaxErrors([NO_ALIAS], await grammarFor(major))).toEqual([{ file: 'v.sql', line: 4, column: 17, message: 'subquery in FROM must have an alias' }]);
    }
    for (const major of [16, 17]) expect(await syntaxErrors([NO_ALIAS], await grammarFor(major))).toEqual([]);
    expect(await grammarFor(14)).toBeUndefined();
  });

  test('syntaxIssues uses the grammar of the server it is connected to', async () => {
    const { major } = await serverFacts(s);
    const issues = await syntaxIssues(s, [NO_ALIAS], major);
    expect(issues.map((i) => `${i.file}:${i.line}`)).toEqual(major < 16 ? ['v.sql:4'] : []);
  });

  test('for a major without a parser here (14), PostgreSQL 17\'s grammar first, then the server itself decides', async () => {
    const { major } = await serverFacts(s);
    const broken = { file: 'b.sql', text: 'CREATE TABEL x (id int);\n' };
    const issues = await syntaxIssues(s, [NO_ALIAS, broken], 14);
    expect(issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.message}`)).toEqual([
      'b.sql:1:8 syntax error at or near "TABEL"',
      // This server is the judge: 15 rejects the construct, 17 accepts it.
      ...(major < 16 ? ['v.sql:4:17 subquery in FROM must have an alias'] : []),
    ]);
  });
});

describe('the server-side check (for a major without a parser here)', () => {
  test('finds what the server itself rejects, at the file\'s line and column, and runs nothing', async () => {
    const { major } = await serverFacts(s);
    const files = [
      { file: 'ok.sql', text: "CREATE INDEX CONCURRENTLY i ON t (a);\nVACUUM t;\nALTER TYPE e ADD VALUE 'x';\nSELECT 1 INTO new_table;\nTABLE t;\nCREATE TABLE made_here (id int) -- a comment before the semicolon\n;\nSELECT 2 -- and at the end" },
      { file: 'w.sql', text: `-- ${'$migrate_syntax$'} in a comment changes the quote tag\nCREATE TABLE w (a int);\n` + NO_ALIAS.text },
    ];
    const issues = await serverSyntaxIssues(s, files);
    // On 16+ the construct is valid: nothing to report; on 15 the server's own parser says where.
    expect(issues).toEqual(major < 16 ? [{ file: 'w.sql', line: 6, column: 17, message: 'subquery in FROM must have an alias' }] : []);
    const [{ made }] = await db.sql`select to_regclass('public.made_here') is not null as made`;
    expect(made).toBe(false);
  });
});

describe('the server vouches first (13, 15, 16: its parser is loaded only for what the server did not accept)', () => {
  test('accepts files its raw parser takes, whole, without running them or resolving names', async () => {
    const files = [
      { file: 'a.sql', text: "CREATE TABLE made_here (id int);\nINSERT INTO no_such_table VALUES (1);\nCREATE INDEX CONCURRENTLY i ON t (a);\nVACUUM t;\nBEGIN;\nCOMMIT;\nSELECT 'it''s' -- a comment at the end" },
      { file: 'b.sql', text: "-- $migrate_syntax$ in a comment\nSELECT $migrate_syntax$x$migrate_syntax$, 'a\\' AS backslash$" },
      { file: 'c.sql', text: 'DROP TABLE made_here;\n' },
    ];
    const accepted = await serverAccepts(s, files);
    expect(files.filter((f) => accepted.has(f)).map((f) => f.file)).toEqual(['a.sql', 'b.sql', 'c.sql']);
    const [{ made }] = await db.sql`select to_regclass('public.made_here') is not null as made`;
    expect(made).toBe(false);
    const [{ fns }] = await db.sql`select count(*)::int as fns from pg_proc where proname like 'migrate_syntax%'`;
    expect(fns).toBe(0);
  });

  test('a batch with an error vouches for none of its files; the others stand', async () => {
    const { major } = await serverFacts(s);
    const good = { file: 'g.sql', text: 'SELECT 1;\n' };
    const big = { file: 'big.sql', text: `SELECT 1;\n${'-- padding\n'.repeat(30_000)}` };
    const bad = { file: 'b.sql', text: 'CREATE TABEL x (id int);\n' };
    const unterminated = { file: 'u.sql', text: "SELECT 'open" };
    const accepted = await serverAccepts(s, [good, big, bad, unterminated]);
    // g.sql, b.sql and u.sql are one batch, which b.sql fails; big.sql is larger than a batch.
    expect(accepted.has(good)).toBe(false);
    expect(accepted.has(bad)).toBe(false);
    expect(accepted.has(big)).toBe(false);
    expect(accepted.has(unterminated)).toBe(false);
    expect((await serverAccepts(s, [good, NO_ALIAS])).has(NO_ALIAS)).toBe(major >= 16);
    expect((await serverAccepts(s, [good])).has(good)).toBe(true);
  });

  test('the errors are the parser\'s, at the same file:line:column as before', async () => {
    const { major } = await serverFacts(s);
    // The server only vouches for its own major's grammar.
    if (![13, 15, 16].includes(major)) return;
    const files = [{ file: 'g.sql', text: 'SELECT 1;\n' }, { file: 'b.sql', text: 'CREATE TABEL x (id int);\n' }, NO_ALIAS];
    expect(await syntaxIssues(s, files, major)).toEqual(await syntaxErrors(files, await grammarFor(major)));
    expect(await syntaxIssues(s, files, major)).toHaveLength(major < 16 ? 2 : 1);
  });

  test('with an event trigger enabled (a CREATE FUNCTION would fire it) nothing is asked', async () => {
    await db.sql`create function syntax_evt() returns event_trigger language plpgsql as $$ begin raise exception 'fired'; end $$`;
    await db.sql`create event trigger syntax_evt on ddl_command_start execute function syntax_evt()`;
    try {
      const good = { file: 'g.sql', text: 'SELECT 1;\n' };
      expect((await serverAccepts(s, [good])).size).toBe(0);
      expect(await syntaxIssues(s, [good], 15)).toEqual([]);
    } finally {
      await db.sql`drop event trigger syntax_evt`;
    }
  });
});
