/**
 * Positions in SQL source. The parser reports statement locations in UTF-8
 * bytes and error cursors in characters (code points), while JS strings index
 * UTF-16 units; this class converts between the three so that a non-ASCII
 * comment cannot shift a reported line or column.
 */
export class SourceText {
  private readonly lineStarts: number[] = [0];
  private readonly ascii: boolean;
  /**
   * For non-ASCII text: per code point, its JS index and UTF-8 byte offset (plus one end
   * sentinel). Built on first use: a large file parsed in pieces only asks for lines here.
   */
  private jsAt = new Int32Array(0);
  private byteAt = new Int32Array(0);
  private tables = false;

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    this.ascii = Buffer.byteLength(text, 'utf8') === text.length;
  }

  private buildCodePointTables(): void {
    if (this.tables) return;
    this.tables = true;
    const { text } = this;
    const jsAt = new Int32Array(text.length + 1);
    const byteAt = new Int32Array(text.length + 1);
    let k = 0;
    let js = 0;
    let byte = 0;
    while (js < text.length) {
      jsAt[k] = js;
      byteAt[k++] = byte;
      const c = text.charCodeAt(js);
      const pair = c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(js + 1) & 0xfc00) === 0xdc00;
      byte += c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3; // a lone surrogate counts 3, as U+FFFD
      js += pair ? 2 : 1;
    }
    jsAt[k] = js;
    byteAt[k++] = byte;
    this.jsAt = jsAt.subarray(0, k);
    this.byteAt = byteAt.subarray(0, k);
  }

  /** JS string index of a UTF-8 byte offset (clamped to the text). */
  indexOfByte(byteOffset: number): number {
    if (this.ascii) return clamp(byteOffset, 0, this.text.length);
    this.buildCodePointTables();
    const cp = upperBound(this.byteAt, byteOffset) - 1;
    return this.jsAt[Math.max(cp, 0)];
  }

  /** UTF-8 byte offset of a JS string index. */
  byteOfIndex(index: number): number {
    if (this.ascii) return clamp(index, 0, this.text.length);
    this.buildCodePointTables();
    const cp = upperBound(this.jsAt, index) - 1;
    return this.byteAt[Math.max(cp, 0)];
  }

  /** JS string index of a 0-based code point offset (what the parser's cursor counts). */
  indexOfCodePoint(cp: number): number {
    if (this.ascii) return clamp(cp, 0, this.text.length);
    this.buildCodePointTables();
    return this.jsAt[clamp(cp, 0, this.jsAt.length - 1)];
  }

  /** 1-based line and column (column in code points, as editors count characters). */
  position(index: number): { line: number; column: number } {
    const line = upperBound(this.lineStarts, index) - 1;
    const start = this.lineStarts[line];
    const column = this.ascii ? index - start : codePointCount(this.text, start, index);
    return { line: line + 1, column: column + 1 };
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(Math.max(n, lo), hi);
}

/** Index of the first element greater than `value` in a sorted array. */
function upperBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function codePointCount(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // count lead/BMP units, skip trail surrogates
  }
  return n;
}

const SPACE = new Set([' ', '\t', '\n', '\r', '\f', '\v']);

/**
 * Index of the first character at or after `from` that is neither whitespace
 * nor a comment (`-- …` or nested `/* … *\/`), as PostgreSQL's scanner skips them.
 */
export function skipTrivia(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    if (SPACE.has(text[i])) {
      i++;
    } else if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (text.startsWith('/*', i)) {
      i = skipBlockComment(text, i);
    } else {
      break;
    }
  }
  return i;
}

/** True when the text holds no statement: only whitespace, comments and semicolons. */
export function isBlankSql(text: string): boolean {
  for (let i = skipTrivia(text, 0); i < text.length; i = skipTrivia(text, i + 1)) if (text[i] !== ';') return false;
  return true;
}

function skipBlockComment(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return text.length;
}

/**
 * `text` with the contents of string literals, quoted identifiers, dollar
 * quotes and comments replaced by spaces (same length, newlines kept), so
 * that semicolons and keywords can be found with plain string searches. A
 * light scanner: it only has to find statement boundaries, not tokens.
 */
export function maskLiterals(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    let end = i + 1;
    if (ch === "'") end = skipQuoted(text, i, "'", isEscapeString(text, i));
    else if (ch === '"') end = skipQuoted(text, i, '"', false);
    else if (ch === '$') end = skipDollarQuote(text, i);
    else if (text.startsWith('--', i) || text.startsWith('/*', i)) end = skipTrivia(text, i);
    if (end > i + 1) blank(i, end);
    i = end;
  }
  return out.join('');
}

/**
 * Start (first token) of the top-level statement that contains `index`: the
 * position after the last semicolon before it that is not quoted or commented.
 */
export function statementStartAt(text: string, index: number): number {
  const masked = maskLiterals(text.slice(0, index));
  return skipTrivia(text, masked.lastIndexOf(';') + 1);
}

/** The characters pieceEnds acts on: quotes, dollar quotes, comment starts, semicolons. */
const PIECE_MARKS = /['"$;\-/]/g;

/**
 * Where to cut `text` into pieces of at least `size` characters for the parser: just after
 * a top-level semicolon (not in a string, quoted name, dollar quote or comment). The last
 * end is text.length. The scan only has to be right about quotes and comments; a cut inside
 * a BEGIN ATOMIC body is found by the parser, and the caller joins the pieces again.
 */
export function pieceEnds(text: string, size: number): number[] {
  const ends: number[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length && text.length - start > size) {
    // Every other character just moves on by one: jump to the next that may matter.
    PIECE_MARKS.lastIndex = i;
    const mark = PIECE_MARKS.exec(text);
    if (!mark) break;
    i = mark.index;
    const ch = text[i];
    let end = i + 1;
    if (ch === "'") end = skipQuoted(text, i, "'", isEscapeString(text, i));
    else if (ch === '"') end = skipQuoted(text, i, '"', false);
    else if (ch === '$') end = skipDollarQuote(text, i);
    else if ((ch === '-' && text[i + 1] === '-') || (ch === '/' && text[i + 1] === '*')) end = skipTrivia(text, i);
    else if (ch === ';' && end - start >= size) {
      ends.push(end);
      start = end;
    }
    i = end;
  }
  ends.push(text.length);
  return ends;
}

/** [start, end) of each `;`-separated top-level piece of `text`. */
export function splitTopLevel(text: string): Array<[number, number]> {
  const masked = maskLiterals(text);
  const pieces: Array<[number, number]> = [];
  let start = 0;
  for (let i = masked.indexOf(';'); i >= 0; i = masked.indexOf(';', i + 1)) {
    pieces.push([start, i]);
    start = i + 1;
  }
  if (start < text.length) pieces.push([start, text.length]);
  return pieces;
}

/** E'…' strings treat backslash as an escape; standard strings do not. */
function isEscapeString(text: string, quote: number): boolean {
  const prev = text[quote - 1];
  if (prev !== 'e' && prev !== 'E') return false;
  const before = text[quote - 2];
  return before === undefined || !/[A-Za-z0-9_$]/.test(before);
}

function skipQuoted(text: string, from: number, quote: string, backslash: boolean): number {
  if (!backslash) {
    // Only the quote ends it (doubled, it stays inside): jump from one to the next.
    for (let i = from + 1; ; ) {
      const q = text.indexOf(quote, i);
      if (q < 0) return text.length;
      if (text[q + 1] !== quote) return q + 1;
      i = q + 2;
    }
  }
  let i = from + 1;
  while (i < text.length) {
    const ch = text[i];
    if (backslash && ch === '\\') {
      i += 2;
    } else if (ch === quote) {
      if (text[i + 1] === quote) i += 2; // doubled quote stays inside
      else return i + 1;
    } else {
      i++;
    }
  }
  return text.length;
}

function skipDollarQuote(text: string, from: number): number {
  const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(from, from + 64));
  const before = text[from - 1];
  // `$1` parameters and identifiers containing `$` are not quotes.
  if (!m || (before !== undefined && /[A-Za-z0-9_]/.test(before))) return from + 1;
  const tag = m[0];
  const end = text.indexOf(tag, from + tag.length);
  return end < 0 ? text.length : end + tag.length;
}
