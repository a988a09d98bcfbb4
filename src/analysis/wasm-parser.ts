/**
 * libpg-query's WebAssembly parser, called directly (its Emscripten module, one instance per
 * package). The package's own `parse` always turns the tree into objects; a syntax check needs
 * only the verdict and where each statement lies, and for 1 MiB of SQL that JSON (~4 MB of text
 * decoded, then parsed) was about half of the check's time. Both answers come from here, with
 * the package's errors: same messages, same `sqlDetails`.
 */

/** A top-level statement as the parser returns it; `stmt` is absent in a check's answer. */
export interface RawStmt {
  stmt: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

export type StatementSpan = Omit<RawStmt, 'stmt'>;

export interface WasmParser {
  /** Loaded and ready (parseSync needs that). */
  ready(): Promise<void>;
  /** The tree, as libpg-query's parse gives it. */
  parse(sql: string): Promise<{ stmts?: RawStmt[] }>;
  /** The same, once ready() has resolved; throws before. */
  parseSync(sql: string): { stmts?: RawStmt[] };
  /** The statements' locations only; throws what parse throws. */
  spans(sql: string): Promise<{ stmts: StatementSpan[] }>;
}

interface Module {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  UTF8ToString(ptr: number): string;
  _malloc(n: number): number;
  _free(ptr: number): void;
  _wasm_parse_query_raw(ptr: number): number;
  _wasm_free_parse_result(ptr: number): void;
}

/** The error libpg-query throws for bad SQL (its SqlError: name, message, sqlDetails). */
class SqlError extends Error {
  constructor(message: string, readonly sqlDetails: Record<string, unknown>) {
    super(message);
    this.name = 'SqlError';
  }
}

/** The parser of an installed libpg-query build (`pkg`: its package name); loaded on first use. */
export function wasmParser(pkg: string): WasmParser {
  let module: Module | undefined;
  let loading: Promise<void> | undefined;
  const ready = () =>
    (loading ??= (require(`${pkg}/wasm/libpg-query.js`) as () => Promise<Module>)().then((m) => {
      module = m;
    }));
  const loaded = (): Module => {
    if (!module) throw new Error('WASM module not initialized. Call `loadModule()` first.');
    return module;
  };
  const parseSync = (sql: string) => withTree(loaded(), sql, treeOf);
  return {
    ready,
    parseSync,
    parse: async (sql) => (await ready(), parseSync(sql)),
    spans: async (sql) => (await ready(), withTree(loaded(), sql, spansOf)),
  };
}

/**
 * Runs the parser over `sql` and reads its tree (a NUL-terminated JSON text in the module's
 * memory) with `read`; an error becomes the package's SqlError. What package parse does, in order.
 */
function withTree<T>(m: Module, sql: string, read: (m: Module, tree: number) => T): T {
  if (typeof sql !== 'string') throw new Error(`Query must be a string, got ${typeof sql}`);
  if (sql.trim() === '') throw new Error('Query cannot be empty');
  const size = Buffer.byteLength(sql) + 1;
  const query = m._malloc(size);
  let result = 0;
  try {
    const heap = m.HEAPU8;
    Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength).write(sql, query, 'utf8');
    heap[query + size - 1] = 0;
    result = m._wasm_parse_query_raw(query);
    if (!result) throw new Error('Failed to allocate memory for parse result');
    // struct { char* parse_tree; char* stderr_buffer; PgQueryError* error; }
    const words = m.HEAPU32; // read after the call: memory may have grown
    const tree = words[result >> 2];
    const error = words[(result >> 2) + 2];
    if (error) throw sqlError(m, error);
    if (!tree) throw new Error('Parse result is null');
    return read(m, tree);
  } finally {
    m._free(query);
    if (result) m._wasm_free_parse_result(result);
  }
}

function sqlError(m: Module, at: number): SqlError {
  // struct { char* message; char* funcname; char* filename; int lineno; int cursorpos; char* context; }
  const w = new Int32Array(m.HEAPU8.buffer, at, 6);
  const [messagePtr, funcnamePtr, filenamePtr, lineno, cursorpos, contextPtr] = w;
  const message = messagePtr ? m.UTF8ToString(messagePtr) : 'Unknown error';
  return new SqlError(message, {
    message,
    cursorPosition: cursorpos > 0 ? cursorpos - 1 : 0, // 0-based, as the package converts it
    fileName: (filenamePtr ? m.UTF8ToString(filenamePtr) : null) || undefined,
    functionName: funcnamePtr ? m.UTF8ToString(funcnamePtr) : undefined,
    lineNumber: lineno > 0 ? lineno : undefined,
    context: contextPtr ? m.UTF8ToString(contextPtr) : undefined,
  });
}

const UTF8 = new TextDecoder();

/** The tree's JSON, decoded and parsed (the module's UTF8ToString finds the text's end a byte at a time in JS). */
function treeOf(m: Module, tree: number): { stmts?: RawStmt[] } {
  const heap = m.HEAPU8;
  return JSON.parse(UTF8.decode(heap.subarray(tree, heap.indexOf(0, tree)))) as { stmts?: RawStmt[] };
}

const STMT = Buffer.from('"stmt":');
const LOCATION = Buffer.from('"stmt_location":');
const LEN = Buffer.from('"stmt_len":');

/**
 * The RawStmts' locations, read off the JSON bytes without decoding them. Only RawStmt has the
 * fields stmt, stmt_location and stmt_len (in that order; a 0 is left out), and none of these
 * byte sequences can occur inside a JSON string, whose quotes are escaped: so each `"stmt":` opens
 * the next statement, and the location and length before the following one are its own.
 */
function spansOf(m: Module, tree: number): { stmts: StatementSpan[] } {
  const heap = m.HEAPU8;
  const json = Buffer.from(heap.buffer, heap.byteOffset + tree, heap.indexOf(0, tree) - tree);
  const stmts: StatementSpan[] = [];
  for (let at = json.indexOf(STMT); at >= 0; ) {
    const next = json.indexOf(STMT, at + STMT.length);
    const end = next < 0 ? json.length : next;
    const span: StatementSpan = {};
    const location = json.indexOf(LOCATION, at);
    if (location >= 0 && location < end) span.stmt_location = numberAt(json, location + LOCATION.length);
    const len = json.indexOf(LEN, at);
    if (len >= 0 && len < end) span.stmt_len = numberAt(json, len + LEN.length);
    stmts.push(span);
    at = next;
  }
  return { stmts };
}

function numberAt(json: Buffer, at: number): number {
  let n = 0;
  for (let c = json[at]; c >= 0x30 && c <= 0x39; c = json[++at]) n = n * 10 + (c - 0x30);
  return n;
}
