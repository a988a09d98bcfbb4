import type { Names } from '../names';
import type { Finding, ParsedStatement } from '../types';
import type { UnitModel } from './model';

export interface LintContext {
  direction: 'up' | 'down';
  /** Estimated rows of an existing table; undefined = the table does not exist before this unit. */
  tableRows?: (qualifiedName: string) => number | undefined;
  /** Search path for resolving unqualified names. Default ['public']. */
  searchPath?: string[];
}

/** What a rule sees: the statement, the unit so far (before this statement) and the caller's context. */
export interface RuleInput {
  file: string;
  stmt: ParsedStatement;
  model: UnitModel;
  names: Names;
  ctx: LintContext;
}

export type Rule = (input: RuleInput) => Finding[];

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
