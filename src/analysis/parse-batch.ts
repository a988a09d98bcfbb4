import { GRAMMAR_17, PIECE_CHARS, parseSql, SEPARATOR, shiftLocations, toStatement, type PieceAt, type RawStmt } from './parse';
import { SourceText, skipTrivia } from './text';
import type { ParsedStatement, ParseResult } from './types';

/** Small files are parsed together, up to this many characters or files a parser call. */
const BATCH_CHARS = 64 * 1024;
const BATCH_FILES = 64;
/** With yieldToIo, smaller batches: a round trip in flight waits for at most one (a few ms), not 20 ms. */
const YIELDING_BATCH_FILES = 16;

export interface SqlFile {
  file: string;
  text: string;
}

export interface ParseEachOptions {
  /** Between batches the event loop has a turn, so round trips in flight meanwhile go on (see run-plan's checkPlan). */
  yieldToIo?: boolean;
  /** Once aborted, no further batch is parsed. */
  signal?: AbortSignal;
}

/**
 * parseSql of each file, in order, a batch at a time: each result is what parseSql gives for
 * that file alone. One parser call per batch of small files instead of one per file (1,000
 * units of two statements: ~110 ms of calls, most of it the per-call cost). `each` gets the
 * results before the next batch is parsed, so a caller can let the trees go as it goes.
 */
export async function parseEach(files: readonly SqlFile[], each: (r: ParseResult, index: number) => void, o: ParseEachOptions = {}): Promise<void> {
  let batch: number[] = [];
  let size = 0;
  const maxFiles = o.yieldToIo ? YIELDING_BATCH_FILES : BATCH_FILES;
  const flush = async () => {
    if (o.signal?.aborted) return;
    const results = await parseBatch(batch.map((i) => files[i]));
    batch.forEach((i, k) => each(results[k], i));
    batch = [];
    size = 0;
    // postgres.js writes a query on a later turn of the event loop, and its answer is read on one.
    if (o.yieldToIo) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  for (let i = 0; i < files.length; i++) {
    if (o.signal?.aborted) return;
    const { text } = files[i];
    if (text.length > PIECE_CHARS || skipTrivia(text, 0) >= text.length) {
      await flush();
      each(await parseSql(files[i].file, text), i);
      continue;
    }
    if (batch.length > 0 && (size + text.length > BATCH_CHARS || batch.length >= maxFiles)) await flush();
    batch.push(i);
    size += text.length;
  }
  await flush();
}

/** parseEach, collected. */
export async function parseAll(files: readonly SqlFile[]): Promise<ParseResult[]> {
  const out: ParseResult[] = new Array(files.length);
  await parseEach(files, (r, i) => (out[i] = r));
  return out;
}

/**
 * The files joined by a top-level ";" and parsed once. When that fails, or a statement spans a
 * separator (an unterminated quote or comment ran into the next file), each file is parsed
 * alone, so errors and their positions are exactly parseSql's.
 */
async function parseBatch(files: readonly SqlFile[]): Promise<ParseResult[]> {
  if (files.length === 0) return [];
  if (files.length === 1) return [await parseSql(files[0].file, files[0].text)];
  const alone = () => Promise.all(files.map((f) => parseSql(f.file, f.text)));
  // starts[k]: byte offset of file k in the joined text; its end is starts[k] + bytes[k].
  const starts: number[] = [];
  const bytes: number[] = [];
  let offset = 0;
  for (const f of files) {
    starts.push(offset);
    const n = Buffer.byteLength(f.text);
    bytes.push(n);
    offset += n + SEPARATOR.length;
  }
  let stmts: RawStmt[];
  try {
    stmts = (await GRAMMAR_17.parse(files.map((f) => f.text).join(SEPARATOR))).stmts ?? [];
  } catch {
    return alone();
  }
  const statements: ParsedStatement[][] = files.map(() => []);
  const sources = files.map((f) => new SourceText(f.text));
  const at: PieceAt = { from: 0, byte: 0 };
  let k = 0;
  for (const raw of stmts) {
    const from = raw.stmt_location ?? 0;
    const to = raw.stmt_len ? from + raw.stmt_len : offset - SEPARATOR.length;
    // The ";" after file k is at starts[k] + bytes[k] + 1: a statement starting after it is a later file's.
    while (k + 1 < files.length && from > starts[k] + bytes[k]) k++;
    if (k + 1 < files.length && to > starts[k] + bytes[k] + 1) return alone();
    const base = starts[k];
    if (base > 0) shiftLocations(raw.stmt, -base);
    // What the file alone would say: the statement starts at 0 at the earliest, and one that ends at the file's end has no length.
    const start = Math.max(0, from - base);
    const end = to - base;
    const own: RawStmt = { stmt: raw.stmt, stmt_location: start, stmt_len: end >= bytes[k] ? 0 : end - start };
    statements[k].push(toStatement(own, statements[k].length, sources[k], at, sources[k]));
  }
  return statements.map((s) => ({ ok: true, statements: s }));
}
