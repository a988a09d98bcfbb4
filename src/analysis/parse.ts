import { setFlagsFromString } from 'node:v8';
import { parse as pgParse, hasSqlDetails } from 'libpg-query';
import { plpgsqlConstructAt } from './plpgsql';
import { SourceText, skipTrivia, statementStartAt } from './text';
import type { Finding, ParsedStatement, ParseResult, SqlSyntaxIssue } from './types';

// The parser is WebAssembly, and each run parses once. V8's optimising tier would spend about
// as long compiling as the parse takes: a first parse of 1,000 files took ~80 ms by default
// and ~45 ms with the baseline compiler only (steady-state parsing is barely slower). Only
// WebAssembly compilation reads this flag; V8 compiles each function on its first call, so
// setting it here, before any parse, is in time (measured, not assumed).
setFlagsFromString('--liftoff-only');

interface RawStmt {
  stmt: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

/** A PostgreSQL grammar: the parser of one server major. */
export interface Grammar {
  major: number;
  parse(sql: string): Promise<{ stmts?: RawStmt[] }>;
}

/** PostgreSQL 17's, which every analysis reads its parse trees from. */
export const GRAMMAR_17: Grammar = { major: 17, parse: pgParse };

/**
 * Parse a migration file with the real PostgreSQL 17 parser (libpg-query).
 * Never throws for bad SQL: a syntax error becomes `{ ok: false }` with the
 * line and column the server itself would point at.
 */
export async function parseSql(file: string, text: string): Promise<ParseResult> {
  const source = new SourceText(text);
  // libpg-query rejects whitespace-only input; a file of only comments parses to nothing.
  if (skipTrivia(text, 0) >= text.length) return { ok: true, statements: [] };
  let tree: { stmts?: RawStmt[] };
  try {
    tree = await pgParse(text);
  } catch (err) {
    return syntaxFailure(file, source, err);
  }
  const statements = (tree.stmts ?? []).map((raw, index) => toStatement(raw, index, source));
  return { ok: true, statements };
}

/** Statements of `text` before `end` (the start of the failing statement); [] if they do not parse either. */
async function statementsBefore(source: SourceText, end: number): Promise<ParsedStatement[]> {
  const prefix = source.text.slice(0, end);
  if (skipTrivia(prefix, 0) >= prefix.length) return [];
  try {
    const tree: { stmts?: RawStmt[] } = await pgParse(prefix);
    // Offsets are into the same text, so positions computed against the whole file stay right.
    return (tree.stmts ?? []).map((raw, index) => toStatement(raw, index, source));
  } catch {
    return [];
  }
}

function toStatement(raw: RawStmt, index: number, source: SourceText): ParsedStatement {
  const { text } = source;
  // stmt_location points just after the previous semicolon (it includes the
  // whitespace and comments before the statement); stmt_len 0 means "to the end".
  const from = source.indexOfByte(raw.stmt_location ?? 0);
  const to = raw.stmt_len ? source.indexOfByte((raw.stmt_location ?? 0) + raw.stmt_len) : text.length;
  const offset = skipTrivia(text, from);
  const { line, column } = source.position(offset);
  const kind = Object.keys(raw.stmt)[0] ?? 'Unknown';
  return {
    index,
    text: text.slice(offset, Math.max(offset, to)).trimEnd(),
    line,
    column,
    offset,
    byteOffset: source.byteOfIndex(offset),
    node: raw.stmt,
    kind,
  };
}

/** Where and why a parser rejected `source`. */
function issueOf(file: string, source: SourceText, err: unknown): { error: SqlSyntaxIssue; at: number } {
  const message = err instanceof Error ? err.message : String(err);
  // The cursor counts characters (code points), 0-based after libpg-query's conversion.
  const cursor = hasSqlDetails(err) ? err.sqlDetails.cursorPosition : 0;
  const at = source.indexOfCodePoint(cursor);
  const { line, column } = source.position(at);
  return { error: { file, line, column, message }, at };
}

async function syntaxFailure(file: string, source: SourceText, err: unknown): Promise<ParseResult> {
  const { error, at } = issueOf(file, source, err);
  const start = statementStartAt(source.text, at);
  return {
    ok: false,
    error,
    findings: plpgsqlFindings(file, source, start),
    parsedBefore: await statementsBefore(source, start),
  };
}

function plpgsqlFindings(file: string, source: SourceText, start: number): Finding[] {
  const construct = plpgsqlConstructAt(source.text, start);
  if (!construct) return [];
  return [
    {
      rule: 'plpgsql-at-top-level',
      severity: 'error',
      file,
      line: source.position(start).line,
      message:
        `${construct} is PL/pgSQL, not SQL: it is only valid inside a DO block or a function body. ` +
        `Wrap it in DO $$ BEGIN … END $$; or remove it.`,
    },
  ];
}

const SEPARATOR = '\n;\n';

/** The first syntax error of one file in `grammar`, if any. */
export async function syntaxError(file: string, text: string, grammar: Grammar = GRAMMAR_17): Promise<SqlSyntaxIssue | undefined> {
  if (skipTrivia(text, 0) >= text.length) return undefined;
  try {
    await grammar.parse(text);
    return undefined;
  } catch (err) {
    return issueOf(file, new SourceText(text), err).error;
  }
}

/**
 * Syntax-checks many files in one parser call (one WASM round trip instead of one per file).
 * The files are joined by a top-level ";"; if the joined text parses and no statement spans
 * a separator (which would mean an unterminated string or comment ran into the next file),
 * every file parses on its own. Otherwise each file is parsed alone for exact errors.
 */
export async function syntaxErrors(files: ReadonlyArray<{ file: string; text: string }>, grammar: Grammar = GRAMMAR_17): Promise<SqlSyntaxIssue[]> {
  const nonEmpty = files.filter((f) => skipTrivia(f.text, 0) < f.text.length);
  if (nonEmpty.length === 0) return [];
  const joined = nonEmpty.map((f) => f.text).join(SEPARATOR);
  const separators: number[] = [];
  let bytes = 0;
  for (const f of nonEmpty.slice(0, -1)) {
    bytes += Buffer.byteLength(f.text) + SEPARATOR.length;
    separators.push(bytes - 2); // the byte offset of the ";"
  }
  try {
    const tree = await grammar.parse(joined);
    const total = Buffer.byteLength(joined);
    // Statements and separators are both in file order: one pass finds any statement that spans one.
    let k = 0;
    let spans = false;
    for (const st of tree.stmts ?? []) {
      const from = st.stmt_location ?? 0;
      const to = st.stmt_len ? from + st.stmt_len : total;
      while (k < separators.length && separators[k] <= from) k++;
      if (k < separators.length && separators[k] < to) {
        spans = true;
        break;
      }
    }
    if (!spans) return [];
  } catch {
    // fall through: find the file and the position exactly
  }
  const out: SqlSyntaxIssue[] = [];
  for (const f of nonEmpty) {
    const issue = await syntaxError(f.file, f.text, grammar);
    if (issue) out.push(issue);
  }
  return out;
}
