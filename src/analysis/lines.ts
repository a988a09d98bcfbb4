import type { ParsedStatement } from './types';

/**
 * 1-based line of an AST `location` (a byte offset into the file). Falls back
 * to the statement's line when either offset is unknown.
 */
export function lineAt(stmt: ParsedStatement, location: number | undefined): number {
  if (stmt.byteOffset === undefined || location === undefined || location < stmt.byteOffset) return stmt.line;
  const before = Buffer.from(stmt.text, 'utf8').subarray(0, location - stmt.byteOffset).toString('utf8');
  let n = 0;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) n++;
  return stmt.line + n;
}
