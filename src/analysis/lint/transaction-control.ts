import { transactionNeed } from '../statement-kinds';
import type { Rule } from './rule';

const WORDS: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

/**
 * The runner wraps every unit in its own transaction. A COMMIT inside would
 * end it early (a later failure leaves the unit half-applied, with no history
 * row) and a BEGIN only draws a warning while doing nothing.
 */
export const transactionControl: Rule = ({ file, stmt }) => {
  if (transactionNeed(stmt.node).need !== 'controls') return [];
  const t = stmt.node.TransactionStmt;
  const word = WORDS[t.kind] ?? 'transaction control';
  return [
    {
      rule: 'transaction-control',
      severity: 'error',
      file,
      line: stmt.line,
      message:
        `${word} inside a migration unit: the runner runs each unit in its own transaction, ` +
        `so the unit must not begin, commit or roll back one itself. Remove it.`,
    },
  ];
};
