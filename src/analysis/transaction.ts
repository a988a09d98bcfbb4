import { noTransactionReason } from './lint';
import type { NoTransactionReason } from './lint/non-transactional';
import type { ParsedStatement } from './types';

/** A first line `-- migrate:no-transaction` says a step runs outside a transaction, whatever it holds. */
const NO_TRANSACTION_MARKER = /^\s*--\s*migrate:no-transaction\b/;

export function markedNoTransaction(text: string): boolean {
  return NO_TRANSACTION_MARKER.test(text);
}

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
  const reason = noTransactionReason(statements, opts);
  if (reason) return { transactional: false, reason };
  if (markedNoTransaction(text)) return { transactional: false, reason: { line: 1, reason: 'the file says -- migrate:no-transaction' } };
  return { transactional: true };
}
