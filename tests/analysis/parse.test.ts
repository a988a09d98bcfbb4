import { parseSql } from '../../src/analysis';
import { parse as pgParse } from 'libpg-query';
import { syntaxErrors } from '../../src/analysis/parse';
import { pieceEnds } from '../../src/analysis/text';
import { fixture } from './support/sql';

describe('parseSql', () => {
  it('reports the original 0024 RAISE NOTICE as a syntax error at 44:1 and explains it', async () => {
    const r = await parseSql('0024.sql', fixture('0024_original_defects.sql'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toEqual({ file: '0024.sql', line: 44, column: 1, message: 'syntax error at or near "RAISE"' });
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ rule: 'plpgsql-at-top-level', severity: 'error', file: '0024.sql', line: 44 });
    expect(r.findings[0].message).toMatch(/RAISE.*only valid inside a DO block or a function/);
    // The statements before the failure are still available for lint.
    expect(r.parsedBefore.map((s) => s.kind)).toEqual([
      'TransactionStmt', 'CreateEnumStmt', 'CreateStmt', 'IndexStmt', 'IndexStmt', 'IndexStmt',
      'AlterTableStmt', 'CreatePolicyStmt', 'GrantStmt',
    ]);
    expect(r.parsedBefore[0].line).toBe(5);
  });

  it('gives statements with kind, node, text and 1-based positions', async () => {
    const sql = 'BEGIN;\n\n  CREATE TABLE t (id int);  -- trailing\nSELECT 1';
    const r = await parseSql('a.sql', sql);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.statements.map((s) => [s.index, s.kind, s.line, s.column, s.text])).toEqual([
      [0, 'TransactionStmt', 1, 1, 'BEGIN'],
      [1, 'CreateStmt', 3, 3, 'CREATE TABLE t (id int)'],
      [2, 'SelectStmt', 4, 1, 'SELECT 1'],
    ]);
    expect(r.statements[1].node.CreateStmt.relation.relname).toBe('t');
    expect(sql.slice(r.statements[1].offset, r.statements[1].offset + 6)).toBe('CREATE');
  });

  it('counts lines and columns in characters when comments hold non-ASCII text', async () => {
    const sql = [
      '-- Überprüfung der Synchronisation: 日本語 😀',
      '/* ñandú — “quoted” /* nested ü */ still comment */',
      "CREATE TABLE café (naïve text DEFAULT 'é');",
      "   SELECT 'ä😀', 1;",
    ].join('\n');
    const r = await parseSql('u.sql', sql);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.statements.map((s) => [s.line, s.column])).toEqual([[3, 1], [4, 4]]);
    expect(r.statements[0].text).toBe("CREATE TABLE café (naïve text DEFAULT 'é')");
    expect(r.statements[1].text).toBe("SELECT 'ä😀', 1");
    expect(sql.slice(r.statements[1].offset).startsWith('SELECT')).toBe(true);
    expect(r.statements[1].byteOffset).toBe(Buffer.byteLength(sql.slice(0, r.statements[1].offset)));
  });

  it('places a syntax error after non-ASCII text at the right column', async () => {
    const r = await parseSql('e.sql', "-- ü 😀 ß\nSELECT 'ä😀' FROM;\n");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ line: 2, column: 17, message: 'syntax error at or near ";"' });
    expect(r.findings).toEqual([]);
  });

  it.each([
    ['PERFORM pg_sleep(1);', 'PERFORM'],
    ['IF true THEN SELECT 1; END IF;', 'IF'],
    ['v_count := 0;', 'v_count :='],
    ['GET DIAGNOSTICS n = ROW_COUNT;', 'GET DIAGNOSTICS'],
    ['END IF;', 'END IF'],
    ['RETURN NEW;', 'RETURN'],
  ])('flags %s at top level as PL/pgSQL', async (stmt, construct) => {
    const sql = `SELECT 1;\nDO $$ BEGIN RAISE NOTICE 'inside; fine'; END $$;\n-- next\n${stmt}\n`;
    const r = await parseSql('p.sql', sql);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ rule: 'plpgsql-at-top-level', line: 4 });
    expect(r.findings[0].message.startsWith(construct)).toBe(true);
  });

  it('does not blame PL/pgSQL for an ordinary syntax error', async () => {
    const r = await parseSql('s.sql', 'SELECT 1;\nCREATE TABLE (id int);');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.line).toBe(2);
    expect(r.findings).toEqual([]);
  });

  it('accepts empty and comment-only files', async () => {
    expect(await parseSql('e.sql', '')).toEqual({ ok: true, statements: [] });
    expect(await parseSql('e.sql', '  \n-- nothing here\n/* at all */\n')).toEqual({ ok: true, statements: [] });
  });
});

describe('syntaxErrors (many files, one parser call)', () => {
  const ok = (n: number) => ({ file: `${n}.sql`, text: `create table t${n} (id int);\n` });

  test('valid files: no errors', async () => {
    expect(await syntaxErrors([ok(1), ok(2), ok(3)])).toEqual([]);
  });

  test('a bad file is named with its own line and column', async () => {
    const bad = { file: 'bad.sql', text: '-- first line\ncreate table x (;\n' };
    expect(await syntaxErrors([ok(1), bad, ok(3)])).toEqual([expect.objectContaining({ file: 'bad.sql', line: 2, column: 17 })]);
  });

  test('an unterminated string cannot hide behind the next file', async () => {
    // Joined, these two parse ("select 'abc\n;\n'; select 1;"), alone neither does.
    const errors = await syntaxErrors([ok(1), { file: 'a.sql', text: "select 'abc" }, { file: 'b.sql', text: "'; select 1;" }]);
    expect(errors.map((e) => e.file)).toEqual(['a.sql', 'b.sql']);
  });
});

describe('a large file, parsed in pieces', () => {
  const PIECE = 256 * 1024;
  // Non-ASCII in every row, so that characters, code points and bytes all differ.
  const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => `insert into t values (${from + i}, 'çà 😀 ${from + i}');\n`).join('');

  it('gives the statements, lines and byte offsets a single parse gives', async () => {
    const text = `create table t (id int, v text);\n${rows(0, 20000)}`;
    expect(text.length).toBeGreaterThan(3 * PIECE);
    const whole = (await pgParse(text)) as { stmts: Array<{ stmt: object; stmt_location?: number }> };
    const r = await parseSql('big.sql', text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.statements).toHaveLength(whole.stmts.length);
    const lines = text.split('\n');
    for (const k of [0, 1, 7000, 7001, 13500, 20000]) {
      const st = r.statements[k];
      expect(st.index).toBe(k);
      expect(st.node).toEqual(whole.stmts[k].stmt);
      expect(st.line).toBe(k + 1);
      expect(st.text + ';').toBe(lines[k]);
      expect(text.slice(st.offset).startsWith(st.text)).toBe(true);
      expect(st.byteOffset).toBe(Buffer.byteLength(text.slice(0, st.offset)));
    }
  });

  it('joins the pieces again where a cut fell inside a BEGIN ATOMIC body', async () => {
    const filler = rows(0, 4000);
    const pad = '-'.repeat(PIECE - filler.length - 40) + '\n';
    const fn = 'create function f() returns int language sql begin atomic select 1; select 2; select 3; end;\n';
    const text = filler + pad + fn + rows(4000, 4000);
    // The cut a quote-and-comment scan makes is inside the function body.
    const cut = pieceEnds(text, PIECE)[0];
    expect(cut).toBeGreaterThan(text.indexOf('begin atomic'));
    expect(cut).toBeLessThan(text.indexOf('end;', text.indexOf('begin atomic')));
    const r = await parseSql('atomic.sql', text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.statements.map((s) => s.kind).filter((k) => k === 'CreateFunctionStmt')).toHaveLength(1);
    expect(r.statements).toHaveLength(8001);
    expect(await syntaxErrors([{ file: 'atomic.sql', text }])).toEqual([]);
  });

  /** Where a single parse of the whole text says the error is, as line and column. */
  async function wholeError(text: string): Promise<{ line: number; column: number; message: string }> {
    const err = (await pgParse(text).then(() => undefined, (e) => e)) as { message: string; sqlDetails: { cursorPosition: number } };
    const before = [...text].slice(0, err.sqlDetails.cursorPosition).join('');
    const lines = before.split('\n');
    return { line: lines.length, column: [...lines[lines.length - 1]].length + 1, message: err.message };
  }

  it('places a syntax error in a later piece where a single parse places it, with the statements before it', async () => {
    const text = rows(0, 9000) + "insert into t values (1, 'x') oops;\n" + rows(9000, 9000);
    const r = await parseSql('bad.sql', text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toEqual({ file: 'bad.sql', line: 9001, column: 31, message: 'syntax error at or near "oops"' });
    expect(r.error).toEqual({ file: 'bad.sql', ...(await wholeError(text)) });
    expect(r.parsedBefore).toHaveLength(9000);
    expect(r.parsedBefore[8999].line).toBe(9000);
    expect(await syntaxErrors([{ file: 'ok.sql', text: 'select 1;' }, { file: 'bad.sql', text }])).toEqual([r.error]);
  });

  it('reports a quote left open early in a large file where it starts', async () => {
    const text = rows(0, 100) + 'insert into t values (1, $q$never closed);\n' + rows(100, 9000);
    const r = await parseSql('open.sql', text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ line: 101, column: 26, message: expect.stringMatching(/unterminated dollar-quoted string/) });
    expect(r.error).toEqual({ file: 'open.sql', ...(await wholeError(text)) });
  });
});
