import type { ParsedStatement } from './types';

const ASCII = /^[\x00-\x7f]*$/;

/**
 * 1-based line of an AST `location` (a byte offset into the file). Falls back
 * to the statement's line when either offset is unknown.
 */
export function lineAt(stmt: ParsedStatement, location: number | undefined): number {
  if (stmt.byteOffset === undefined || location === undefined || location < stmt.byteOffset) return stmt.line;
  const bytes = location - stmt.byteOffset;
  // In ASCII text a byte offset is a character offset: no UTF-8 copy of the statement is needed.
  const before = ASCII.test(stmt.text) ? stmt.text.slice(0, bytes) : Buffer.from(stmt.text, 'utf8').subarray(0, bytes).toString('utf8');
  let n = 0;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) n++;
  return stmt.line + n;
}
