import type { Names } from '../names';
import type { Finding, ParsedStatement } from '../types';
import type { UnitModel } from './model';
import type { NoTransactionReason } from './non-transactional';

export interface LintContext {
  direction: 'up' | 'down';
  /** Estimated rows of an existing table; undefined = the table does not exist before this unit. */
  tableRows?: (qualifiedName: string) => number | undefined;
  /** Search path for resolving unqualified names. Default ['public']. */
  searchPath?: string[];
  /** True for an existing partitioned table (CLUSTER of one cannot run in a transaction). */
  partitioned?: (qualifiedName: string) => boolean;
}

/** What a rule sees: the statement, the unit so far (before this statement) and the caller's context. */
export interface RuleInput {
  file: string;
  stmt: ParsedStatement;
  model: UnitModel;
  names: Names;
  ctx: LintContext;
  /** nonTransactionalReason of the statement, worked out once: lintStep answers the step's transaction question from it too. */
  outside: NoTransactionReason | undefined;
}

export type Rule = (input: RuleInput) => Finding[];

export { lineAt } from '../lines';
