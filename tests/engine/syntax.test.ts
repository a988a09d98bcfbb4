import { grammarFor } from '../../src/analysis/grammar';
import { syntaxErrors } from '../../src/analysis/parse';
import { serverFacts } from '../../src/db/server-facts';
import { Session } from '../../src/db/session';
import { serverSyntaxIssues, syntaxIssues } from '../../src/engine/syntax';
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
