import { setFlagsFromString } from 'node:v8';
import { plpgsqlConstructAt } from './plpgsql';
import { pieceEnds, SourceText, skipTrivia, statementStartAt } from './text';
import type { Finding, ParsedStatement, ParseResult, SqlSyntaxIssue } from './types';
import { wasmParser, type RawStmt, type StatementSpan, type WasmParser } from './wasm-parser';

export type { RawStmt } from './wasm-parser';

// The parser is WebAssembly, and each run parses once. V8's optimising tier would spend about
// as long compiling as the parse takes: a first parse of 1,000 files took ~80 ms by default
// and ~45 ms with the baseline compiler only (steady-state parsing is barely slower). Only
// WebAssembly compilation reads this flag; V8 compiles each function on its first call, so
// setting it here, before any parse, is in time (measured, not assumed).
setFlagsFromString('--liftoff-only');

/** A PostgreSQL grammar: the parser of one server major. */
export interface Grammar {
  major: number;
  parse(sql: string): Promise<{ stmts?: RawStmt[] }>;
  /** Where the statements lie, without their trees: what a syntax check needs. */
  spans(sql: string): Promise<{ stmts?: StatementSpan[] }>;
}

/** The grammar of an installed libpg-query build; its WebAssembly loads on first use. */
export function wasmGrammar(major: number, parser: WasmParser): Grammar {
  return { major, parse: parser.parse, spans: parser.spans };
}

// Loaded on first use: a thread that only checks another major's grammar (analysis/grammar-thread.ts) never needs it.
const PG17 = wasmParser('libpg-query');

/** PostgreSQL 17's, which every analysis reads its parse trees from. */
export const GRAMMAR_17: Grammar = wasmGrammar(17, PG17);

/**
 * Starts loading PostgreSQL 17's parser, so that it is ready by the first parse. eager, for a
 * command about to parse many files (up, plan): compiled whole on V8's background threads while
 * the command reads its files and connects, instead of function by function during the first
 * parse (50–80 ms on the main thread in a run of 1,000 units; ~7 ms this way). Not for every
 * command: `verify` parses little and would pay ~2.5 MiB for the whole module's code. The flag
 * is read when a module is compiled, so it is set before this one loads (it stays set).
 */
export function preloadParser(o: { eager?: boolean } = {}): void {
  if (o.eager) setFlagsFromString('--no-wasm-lazy-compilation');
  PG17.ready().catch(() => undefined);
}

/** A parse in PostgreSQL 17's grammar once a parse has loaded it (else it throws): for a DO block's statements, found during an analysis. */
export const parseSync17 = (sql: string): { stmts?: RawStmt[] } => PG17.parseSync(sql);

/** libpg-query's test (the same in each of its builds): a parser error that carries the cursor. */
function hasSqlDetails(err: unknown): err is Error & { sqlDetails: { message: string; cursorPosition: number } } {
  const d = err instanceof Error ? (err as { sqlDetails?: unknown }).sqlDetails : undefined;
  return typeof d === 'object' && d !== null && 'message' in d && 'cursorPosition' in d;
}

/**
 * A file is parsed in pieces of about this many characters (see parseSql). Small pieces keep
 * the parser's WebAssembly memory (which never shrinks) and each JSON text small: 1 MiB of SQL
 * in 16 KiB pieces peaks ~20 MiB lower than in 256 KiB ones, and parses no slower.
 */
export const PIECE_CHARS = 16 * 1024;
/** Pieces joined again (a cut inside a BEGIN ATOMIC body, say) grow to this at most; past it, the error stands. */
const MAX_PIECE_CHARS = 16 * 1024 * 1024;

/** Where a piece starts in the whole file: JS index and UTF-8 byte offset. */
export interface PieceAt {
  from: number;
  byte: number;
}

/**
 * Parse a migration file with the real PostgreSQL 17 parser (libpg-query).
 * Never throws for bad SQL: a syntax error becomes `{ ok: false }` with the
 * line and column the server itself would point at.
 *
 * A large file is parsed in pieces cut after top-level semicolons: the parser hands back its
 * whole tree as one JSON text, and for a data load of tens of megabytes of INSERTs that text
 * outgrows the WebAssembly memory ("Parse result is null"). In pieces, 50 MB of INSERTs parses
 * in about 15 s; a small file is one piece, as before.
 */
export async function parseSql(file: string, text: string): Promise<ParseResult> {
  return parseInPieces(file, text, true);
}

/** With keep false only the verdict is wanted: the statements are not held (a syntax check of a large file). */
async function parseInPieces(file: string, text: string, keep: boolean, grammar: Grammar = GRAMMAR_17): Promise<ParseResult> {
  const source = new SourceText(text);
  // libpg-query rejects whitespace-only input; a file of only comments parses to nothing.
  if (skipTrivia(text, 0) >= text.length) return { ok: true, statements: [] };
  const ends = pieceEnds(text, PIECE_CHARS);
  const statements: ParsedStatement[] = [];
  let count = 0;
  const at: PieceAt = { from: 0, byte: 0 };
  for (let k = 0; k < ends.length; k++) {
    let to = ends[k];
    for (;;) {
      const piece = to - at.from === text.length ? source : new SourceText(text.slice(at.from, to));
      if (skipTrivia(piece.text, 0) >= piece.text.length) break;
      try {
        if (!keep) {
          await grammar.spans(piece.text);
          break;
        }
        const tree = await grammar.parse(piece.text);
        for (const raw of tree.stmts ?? []) {
          if (at.byte > 0) shiftLocations(raw.stmt, at.byte);
          statements.push(toStatement(raw, count++, piece, at, source));
        }
        break;
      } catch (err) {
        if (k + 1 < ends.length && to - at.from < MAX_PIECE_CHARS && cutTooEarly(err, piece)) {
          to = ends[++k];
          continue;
        }
        return syntaxFailure(file, source, err, piece, at, statements, keep);
      }
    }
    at.byte += Buffer.byteLength(text.slice(at.from, to));
    at.from = to;
  }
  return { ok: true, statements };
}

/**
 * Node locations are byte offsets into the text parsed: a later piece's are moved to count from
 * the file's start (or, `by` negative, a file's in a batch from its own start). A location that
 * becomes 0 is left out, as the parser leaves it out of a tree of the text alone.
 */
export function shiftLocations(node: unknown, by: number): void {
  if (Array.isArray(node)) {
    for (const n of node) shiftLocations(n, by);
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    for (const key in o) {
      const v = o[key];
      if (typeof v === 'object') shiftLocations(v, by);
      else if (LOCATION_KEYS.has(key) && typeof v === 'number' && v >= 0) {
        if (v + by === 0) delete o[key];
        else o[key] = v + by;
      }
    }
  }
}

const LOCATION_KEYS = new Set(['location', 'name_location', 'stmt_location']);

/** The piece ended inside a statement (or a quote): the parser ran out of text rather than into an error. */
function cutTooEarly(err: unknown, piece: SourceText): boolean {
  if (!hasSqlDetails(err)) return false;
  const at = piece.indexOfCodePoint(err.sqlDetails.cursorPosition);
  return /unterminated/i.test(err.message) || skipTrivia(piece.text, at) >= piece.text.length;
}

/** Statements of the piece before `end` (the start of the failing statement); [] if they do not parse either. */
async function statementsBefore(piece: SourceText, at: PieceAt, whole: SourceText, end: number, first: number): Promise<ParsedStatement[]> {
  const prefix = piece.text.slice(0, end);
  if (skipTrivia(prefix, 0) >= prefix.length) return [];
  try {
    const tree: { stmts?: RawStmt[] } = await PG17.parse(prefix);
    // Offsets are into the same text, so positions computed against the whole piece stay right.
    return (tree.stmts ?? []).map((raw, index) => {
      if (at.byte > 0) shiftLocations(raw.stmt, at.byte);
      return toStatement(raw, first + index, piece, at, whole);
    });
  } catch {
    return [];
  }
}

/** A statement of a piece, with its position in the whole file. */
export function toStatement(raw: RawStmt, index: number, piece: SourceText, at: PieceAt, whole: SourceText): ParsedStatement {
  const { text } = piece;
  // stmt_location points just after the previous semicolon (it includes the
  // whitespace and comments before the statement); stmt_len 0 means "to the end".
  const from = piece.indexOfByte(raw.stmt_location ?? 0);
  const to = raw.stmt_len ? piece.indexOfByte((raw.stmt_location ?? 0) + raw.stmt_len) : text.length;
  const start = skipTrivia(text, from);
  const offset = at.from + start;
  const { line, column } = whole.position(offset);
  const kind = Object.keys(raw.stmt)[0] ?? 'Unknown';
  return {
    index,
    text: text.slice(start, Math.max(start, to)).trimEnd(),
    line,
    column,
    offset,
    byteOffset: at.byte + piece.byteOfIndex(start),
    node: raw.stmt,
    kind,
  };
}

async function syntaxFailure(file: string, whole: SourceText, err: unknown, piece: SourceText, at: PieceAt, before: ParsedStatement[], keep: boolean): Promise<ParseResult> {
  const message = err instanceof Error ? err.message : String(err);
  // The cursor counts characters (code points), 0-based after libpg-query's conversion.
  const cursor = hasSqlDetails(err) ? err.sqlDetails.cursorPosition : 0;
  const local = piece.indexOfCodePoint(cursor);
  const { line, column } = whole.position(at.from + local);
  const error: SqlSyntaxIssue = { file, line, column, message };
  const start = statementStartAt(piece.text, local);
  return {
    ok: false,
    error,
    findings: plpgsqlFindings(file, whole, at.from + start),
    // A check (keep false) reads only the error: the statements before it are not parsed again.
    parsedBefore: keep ? [...before, ...(await statementsBefore(piece, at, whole, start, before.length))] : [],
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

export const SEPARATOR = '\n;\n';
/** Small files are checked together in batches of about this many characters. */
const BATCH_CHARS = 4 * PIECE_CHARS;

/**
 * Syntax-checks many files, in file order, in `grammar` (PostgreSQL 17's by default). Small
 * files are checked in batches, one parser call each (one WASM round trip instead of one per
 * file); a large one alone, in pieces, without holding its statements.
 */
export async function syntaxErrors(files: ReadonlyArray<{ file: string; text: string }>, grammar: Grammar = GRAMMAR_17): Promise<SqlSyntaxIssue[]> {
  const out: SqlSyntaxIssue[] = [];
  let batch: Array<{ file: string; text: string }> = [];
  let size = 0;
  const flush = async () => {
    out.push(...(await batchSyntaxErrors(batch, grammar)));
    batch = [];
    size = 0;
  };
  for (const f of files) {
    if (skipTrivia(f.text, 0) >= f.text.length) continue;
    if (f.text.length > PIECE_CHARS) {
      await flush();
      const r = await parseInPieces(f.file, f.text, false, grammar);
      if (!r.ok) out.push(r.error);
      continue;
    }
    if (size + f.text.length > BATCH_CHARS) await flush();
    batch.push(f);
    size += f.text.length;
  }
  await flush();
  return out;
}

/**
 * The files are joined by a top-level ";"; if the joined text parses and no statement spans
 * a separator (which would mean an unterminated string or comment ran into the next file),
 * every file parses on its own. Otherwise each file is parsed alone for exact errors.
 */
async function batchSyntaxErrors(files: ReadonlyArray<{ file: string; text: string }>, grammar: Grammar): Promise<SqlSyntaxIssue[]> {
  if (files.length === 0) return [];
  const joined = files.map((f) => f.text).join(SEPARATOR);
  const separators: number[] = [];
  let bytes = 0;
  for (const f of files.slice(0, -1)) {
    bytes += Buffer.byteLength(f.text) + SEPARATOR.length;
    separators.push(bytes - 2); // the byte offset of the ";"
  }
  try {
    const tree = await grammar.spans(joined);
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
  for (const f of files) {
    const r = await parseInPieces(f.file, f.text, false, grammar);
    if (!r.ok) out.push(r.error);
  }
  return out;
}
