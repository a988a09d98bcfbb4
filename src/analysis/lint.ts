import { Names } from './names';
import { UnitModel } from './lint/model';
import type { LintContext, Rule } from './lint/rule';
import { transactionControl } from './lint/transaction-control';
import { destructiveUp } from './lint/destructive-up';
import { volatileCheck } from './lint/volatile-check';
import { notNullSetNull } from './lint/not-null-set-null';
import { indexWithoutConcurrently } from './lint/index-without-concurrently';
import { nonTransactional, nonTransactionalReason, type NoTransactionReason } from './lint/non-transactional';
import { needsSuperuser } from './lint/needs-superuser';
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
  'needs-superuser',
] as const;

const RULES: Rule[] = [transactionControl, destructiveUp, volatileCheck, notNullSetNull, indexWithoutConcurrently, nonTransactional, needsSuperuser];

/**
 * Lint the statements of one unit (one file, one direction). Rules see the
 * unit's earlier statements, so "created in this unit" and "declared NOT NULL
 * above" are taken into account. Findings come back ordered by line.
 */
export function lintStatements(file: string, statements: ParsedStatement[], ctx: LintContext): Finding[] {
  return lintStep(file, statements, ctx).findings;
}

/**
 * lintStatements, and the step's first reason to run outside a transaction: what
 * noTransactionReason(statements, ctx) answers, from the same walk (the rules and the
 * transaction check build the same unit model statement by statement).
 */
export function lintStep(file: string, statements: ParsedStatement[], ctx: LintContext): { findings: Finding[]; outside?: NoTransactionReason } {
  const names = new Names({ searchPath: ctx.searchPath });
  const model = new UnitModel(names);
  const findings: Finding[] = [];
  let first: NoTransactionReason | undefined;
  for (const stmt of statements) {
    const outside = nonTransactionalReason(stmt, model, names, ctx.partitioned);
    first ??= outside;
    const input = { file, stmt, model, names, ctx, outside };
    for (const rule of RULES) {
      const found = rule(input);
      for (const f of found) findings.push(f);
    }
    model.observe(stmt);
  }
  return { findings: findings.sort((a, b) => a.line - b.line), outside: first };
}

/**
 * The first reason a unit's statements cannot run in one transaction (a statement PostgreSQL
 * refuses inside a transaction block, or an enum value used after the statement that added it),
 * from the table of statement kinds; undefined when the unit may run in a transaction.
 */
export function noTransactionReason(statements: ParsedStatement[], opts: { searchPath?: string[]; partitioned?: (table: string) => boolean } = {}): NoTransactionReason | undefined {
  const names = new Names(opts);
  const model = new UnitModel(names);
  for (const stmt of statements) {
    const r = nonTransactionalReason(stmt, model, names, opts.partitioned);
    if (r) return r;
    model.observe(stmt);
  }
  return undefined;
}

/** True when the unit contains a statement that PostgreSQL will not run inside its transaction. */
export function needsNoTransaction(statements: ParsedStatement[], opts: { searchPath?: string[] } = {}): boolean {
  return noTransactionReason(statements, opts) !== undefined;
}
