import { noTransactionReason } from './lint';
import type { NoTransactionReason } from './lint/non-transactional';
import { markedNoTransaction, noTransactionMarker } from './marker';
import type { ParsedStatement } from './types';

export { markedNoTransaction };

/**
 * Whether one step (an up or a down file) runs inside a transaction: not when its first line
 * says so, nor when one of its statements cannot (the table of statement kinds). The one
 * answer `plan`, `up`, `rollback` and the runner all use.
 */
export function stepTransaction(
  text: string,
  statements: ParsedStatement[],
  opts: { searchPath?: string[]; partitioned?: (table: string) => boolean } = {},
): { transactional: boolean; reason?: NoTransactionReason } {
  return transactionOf(text, noTransactionReason(statements, opts));
}

/** stepTransaction, given the statements' noTransactionReason (lintStep gives it from its own walk). */
export function transactionOf(text: string, reason: NoTransactionReason | undefined): { transactional: boolean; reason?: NoTransactionReason } {
  if (reason) return { transactional: false, reason };
  const marker = noTransactionMarker(text);
  if (marker) return { transactional: false, reason: { line: marker.line, reason: `the file says ${marker.says}` } };
  return { transactional: true };
}
