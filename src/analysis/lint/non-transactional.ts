import { labelUses } from '../enum-values';
import type { Names } from '../names';
import { transactionNeed } from '../statement-kinds';
import type { ParsedStatement } from '../types';
import type { UnitModel } from './model';
import type { Rule } from './rule';

/** Why a statement makes its unit run outside a transaction, at which line; undefined if it may run inside one. */
export interface NoTransactionReason {
  line: number;
  reason: string;
}

/**
 * Why PostgreSQL refuses to run a statement inside a transaction block, or why it fails in
 * the transaction that added an enum value it uses (55P04), from the table of statement kinds.
 * `model` is the unit before `stmt`.
 */
export function nonTransactionalReason(stmt: ParsedStatement, model: UnitModel, names: Names, partitioned?: (table: string) => boolean): NoTransactionReason | undefined {
  const isPartitioned = (t: string): boolean => model.partitioned.has(t) || (!model.createdRelations.has(t) && !!partitioned?.(t));
  const { need, label } = transactionNeed(stmt.node, { relation: (rv) => names.relation(rv)?.name, partitioned: isPartitioned });
  if (need === 'outside') return { line: stmt.line, reason: `${label} cannot run inside a transaction block` };
  // Most units add no enum value: no Set of labels is built for each of their statements.
  const use = model.addedEnumValues.size ? labelUses(stmt, new Set(model.addedEnumValues.keys()))[0] : undefined;
  if (use) {
    const added = model.addedEnumValues.get(use.label)!;
    return {
      line: use.line,
      reason: `'${use.label}' is the value of ${added.type} that line ${added.line} adds: a new enum value cannot be used in the transaction that added it [55P04]`,
    };
  }
  return undefined;
}

export const nonTransactional: Rule = ({ file, outside: r }) => {
  if (!r) return [];
  return [
    {
      rule: 'non-transactional',
      severity: 'warning',
      file,
      line: r.line,
      message:
        `${r.reason}: the runner executes this step outside a transaction, statement by statement, as psql would ` +
        `(ideally a step holding only this statement, since it cannot be undone as a whole).`,
    },
  ];
};
