import { Names } from './names';
import { UnitModel } from './lint/model';
import type { LintContext, Rule } from './lint/rule';
import { transactionControl } from './lint/transaction-control';
import { destructiveUp } from './lint/destructive-up';
import { volatileCheck } from './lint/volatile-check';
import { notNullSetNull } from './lint/not-null-set-null';
import { indexWithoutConcurrently } from './lint/index-without-concurrently';
import { nonTransactional, nonTransactionalReason } from './lint/non-transactional';
import type { Finding, ParsedStatement } from './types';

export type { Finding } from './types';
export type { LintContext } from './lint/rule';

/** Rule names, as they appear in findings. */
export const LINT_RULES = [
  'transaction-control',
  'destructive-up',
  'volatile-check',
  'not-null-set-null',
  'index-without-concurrently',
  'non-transactional',
] as const;

const RULES: Rule[] = [transactionControl, destructiveUp, volatileCheck, notNullSetNull, indexWithoutConcurrently, nonTransactional];

/**
 * Lint the statements of one unit (one file, one direction). Rules see the
 * unit's earlier statements, so "created in this unit" and "declared NOT NULL
 * above" are taken into account. Findings come back ordered by line.
 */
export function lintStatements(file: string, statements: ParsedStatement[], ctx: LintContext): Finding[] {
  const names = new Names({ searchPath: ctx.searchPath });
  const model = new UnitModel(names);
  const findings: Finding[] = [];
  for (const stmt of statements) {
    for (const rule of RULES) findings.push(...rule({ file, stmt, model, names, ctx }));
    model.observe(stmt);
  }
  return findings.sort((a, b) => a.line - b.line);
}

/** True when the unit contains a statement that PostgreSQL will not run inside a transaction block. */
export function needsNoTransaction(statements: ParsedStatement[], opts: { searchPath?: string[] } = {}): boolean {
  const names = new Names(opts);
  const model = new UnitModel(names);
  for (const stmt of statements) {
    if (nonTransactionalReason(stmt, model, names)) return true;
    model.observe(stmt);
  }
  return false;
}
