import { grammarFor } from '../analysis/grammar';
import { parseSql, syntaxErrors } from '../analysis/parse';
import { SourceText, maskLiterals } from '../analysis/text';
import type { ParsedStatement, SqlSyntaxIssue } from '../analysis/types';
import { RollbackSignal, type Session } from '../db/session';
import { BlockedError } from '../errors';

/** Majors whose grammar a WebAssembly parser here has but the analysis does not load (it reads 17's): the server vouches first. */
const SERVER_FIRST = new Set([13, 15, 16]);

/**
 * Syntax errors of `files` in the grammar of the server they will run on: with the parser of
 * that major when one is installed (13, 15, 16, 17), else PostgreSQL 17's and then the server
 * itself, which checks each statement without running it (serverSyntaxIssues). A construct of a
 * newer major (a subquery in FROM without an alias, 16+) is found on a 15 server before anything runs.
 * On 13, 15 and 16 the server parses the files first (serverAccepts), and that major's parser
 * (about 14 MiB once loaded) reads only what the server did not accept: the errors, their
 * messages and file:line:column are the parser's, as before.
 */
export async function syntaxIssues(s: Session, files: ReadonlyArray<{ file: string; text: string }>, major: number): Promise<SqlSyntaxIssue[]> {
  if (SERVER_FIRST.has(major)) {
    const accepted = await serverAccepts(s, files);
    files = files.filter((f) => !accepted.has(f));
    if (files.length === 0) return [];
  }
  const grammar = await grammarFor(major);
  if (grammar) return syntaxErrors(files, grammar);
  const issues = await syntaxErrors(files);
  const failed = new Set(issues.map((i) => i.file));
  return [...issues, ...(await serverSyntaxIssues(s, files.filter((f) => !failed.has(f.file))))];
}

/** Refuses a run (exit 3) when `files` have syntax errors for the server, each named by file:line:column. */
export async function refuseSyntaxErrors(s: Session, files: ReadonlyArray<{ file: string; text: string }>, major: number, what: string): Promise<void> {
  const errors = (await syntaxIssues(s, files, major)).map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`);
  if (errors.length === 0) return;
  throw new BlockedError(`syntax error${errors.length > 1 ? 's' : ''} in ${errors.length} file(s) for PostgreSQL ${major}; ${what}`, 'fix the file; `migrate plan` shows every finding', errors);
}

/** Statements PL/pgSQL reads differently from SQL (its own statements, INTO targets): not checked this way. */
const PLPGSQL_LEAD = /^(table|end|declare|fetch|move|close|open|perform|raise|return|get|exit|continue|assert|call|execute|commit|rollback|begin|if|loop|while|for|foreach|case|null|<<)\b|^\(/i;

function checkable(st: ParsedStatement): boolean {
  if (PLPGSQL_LEAD.test(st.text)) return false;
  // PL/pgSQL takes INTO as its own target clause except right after INSERT or MERGE (and in IMPORT).
  const words = maskLiterals(st.text).toLowerCase().match(/[a-z_][a-z0-9_$]*/g) ?? [];
  return words.every((w, i) => w !== 'into' || words[i - 1] === 'insert' || words[i - 1] === 'merge' || words[0] === 'import');
}

/**
 * The server's own grammar, running nothing: each file's statements are wrapped in
 * `DO $$ BEGIN IF false THEN …; END IF; END $$` with check_function_bodies on, so PL/pgSQL hands
 * every statement to the server's SQL parser when it compiles the block (names are not resolved,
 * nothing executes), inside a transaction that is rolled back. DDL cannot be PREPAREd; this way
 * it is parsed all the same.
 */
export async function serverSyntaxIssues(s: Session, files: ReadonlyArray<{ file: string; text: string }>): Promise<SqlSyntaxIssue[]> {
  const blocks: Array<{ file: string; text: string; sql: string; segments: Array<{ at: number; st: ParsedStatement }> }> = [];
  for (const f of files) {
    const r = await parseSql(f.file, f.text);
    if (!r.ok) continue;
    const statements = r.statements.filter(checkable);
    if (statements.length === 0) continue;
    let tag = '$migrate_syntax$';
    for (let i = 1; f.text.includes(tag); i++) tag = `$migrate_syntax_${i}$`;
    let sql = `do ${tag} begin if false then\n`;
    const segments: Array<{ at: number; st: ParsedStatement }> = [];
    for (const st of statements) {
      segments.push({ at: sql.length, st });
      // On a line of its own: the statement may end in a -- comment.
      sql += `${st.text}\n;\n`;
    }
    blocks.push({ file: f.file, text: f.text, sql: `${sql}end if; end ${tag}`, segments });
  }
  if (blocks.length === 0) return [];
  return s.transaction<SqlSyntaxIssue[]>(async (tx) => {
    await tx.query("select set_config('check_function_bodies', 'on', true)");
    const out: SqlSyntaxIssue[] = [];
    for (const b of blocks) {
      const err = await tx.transaction((sp) => sp.script(b.sql, b.file)).then(() => undefined, (e: unknown) => e as { code?: string; message?: string; position?: string });
      // Only the grammar's verdict counts here: 42601 syntax_error (an unsafe construct, a wrong keyword).
      if (!err || err.code !== '42601') continue;
      out.push(locate(b, Number(err.position), String(err.message)));
    }
    throw new RollbackSignal(out);
  });
}

/** Maps the server's 1-based character position in the DO block back to the file. */
function locate(b: { file: string; text: string; sql: string; segments: Array<{ at: number; st: ParsedStatement }> }, position: number, message: string): SqlSyntaxIssue {
  const index = Number.isFinite(position) && position > 0 ? new SourceText(b.sql).indexOfCodePoint(position - 1) : 0;
  const seg = [...b.segments].reverse().find((x) => x.at <= index) ?? b.segments[0];
  const source = new SourceText(b.text);
  const { line, column } = source.position(Math.min(seg.st.offset + Math.max(index - seg.at, 0), b.text.length));
  return { file: b.file, line, column, message };
}

/** A batch of files the server parses in one script (one round trip); the files are small as a rule. */
const ACCEPT_BATCH_CHARS = 256 * 1024;

/**
 * The files the server's own raw parser accepts, whole, running none of their statements: each
 * file becomes the body of a throw-away SQL function with a polymorphic argument, created with
 * check_function_bodies on in a transaction that is rolled back. For such a function the
 * validator (fmgr_sql_validator) only raw-parses the body, the whole file as one text, exactly
 * what libpg-query does; parse analysis, which would resolve names, waits for a call with known
 * argument types, and there is none. Nothing in a file is executed (it is a string to the
 * CREATE), and the function, in pg_temp, goes with the rollback. The settings the raw parser
 * reads are set locally to libpg-query's defaults (standard_conforming_strings on,
 * backslash_quote safe_encoding). A batch with any error at all (a syntax error, no TEMP right,
 * a read-only transaction, a lost connection) vouches for none of its files: the caller's
 * parser reads them. With an event trigger enabled in the database nothing is asked (a CREATE
 * FUNCTION would fire it: user code), nor for a file larger than a batch.
 */
export async function serverAccepts(s: Session, files: ReadonlyArray<{ file: string; text: string }>): Promise<Set<{ file: string; text: string }>> {
  const accepted = new Set<{ file: string; text: string }>();
  const batches: Array<typeof files[number][]> = [];
  let size = ACCEPT_BATCH_CHARS;
  for (const f of files) {
    if (f.text.length > ACCEPT_BATCH_CHARS) continue;
    if (size + f.text.length > ACCEPT_BATCH_CHARS) {
      batches.push([]);
      size = 0;
    }
    batches[batches.length - 1].push(f);
    size += f.text.length;
  }
  if (batches.length === 0) return accepted;
  await s.transaction(async (tx) => {
    const [{ triggers }] = await tx.query<{ triggers: boolean }>(
      `select set_config('check_function_bodies', 'on', true), set_config('standard_conforming_strings', 'on', true),
              set_config('backslash_quote', 'safe_encoding', true), set_config('escape_string_warning', 'off', true),
              exists (select from pg_catalog.pg_event_trigger where evtenabled <> 'D') as triggers`,
    );
    if (triggers) throw new RollbackSignal();
    for (const batch of batches) {
      const sql = batch.map((f, i) => {
        let tag = '$migrate_syntax$';
        for (let k = 1; f.text.includes(tag); k++) tag = `$migrate_syntax_${k}$`;
        // The newline keeps the closing tag from joining a "$" the file ends with.
        return `create function pg_temp.migrate_syntax_${i}(anyelement) returns void language sql as ${tag}${f.text}\n${tag};\n`;
      }).join('');
      const ok = await tx.transaction(async (sp) => {
        await sp.script(sql, '(syntax check)');
        // Rolled back at once: each batch's functions go, the names are free for the next.
        throw new RollbackSignal(true);
      }).catch(() => false);
      if (ok) for (const f of batch) accepted.add(f);
    }
    throw new RollbackSignal();
  }).catch(() => undefined);
  return accepted;
}
