import { list, nodeOf } from '../ast';
import type { Finding } from '../types';
import { addressRef } from '../deps/address';
import type { Rule, RuleInput } from './rule';

const DROPS: Record<string, string> = {
  OBJECT_TABLE: 'DROP TABLE',
  OBJECT_TYPE: 'DROP TYPE',
  OBJECT_DOMAIN: 'DROP DOMAIN',
  OBJECT_SCHEMA: 'DROP SCHEMA',
};

function warn({ file, stmt }: RuleInput, what: string, why: string): Finding {
  return {
    rule: 'destructive-up',
    severity: 'warning',
    file,
    line: stmt.line,
    message: `${what} in an up step ${why}; make sure this is intended and that the down step can restore it.`,
  };
}

/**
 * Up steps should add; statements that destroy data or schema there are
 * usually a copy-paste from a down step. Objects the same unit created just
 * before (scaffolding) are exempt.
 */
export const destructiveUp: Rule = (input) => {
  const { stmt, ctx, model, names } = input;
  if (ctx.direction !== 'up') return [];
  const n = stmt.node ?? {};
  const createdHere = (rv: unknown): boolean => {
    const ref = names.relation(rv);
    return !!ref && model.createdRelations.has(ref.name);
  };
  if (n.DropStmt && DROPS[n.DropStmt.removeType]) {
    const fresh = list(n.DropStmt.objects).every((o) => {
      const ref = addressRef(n.DropStmt.removeType, o, names, true);
      return !!ref && (model.createdRelations.has(ref.name) || model.createdTypes.has(ref.name));
    });
    return fresh ? [] : [warn(input, DROPS[n.DropStmt.removeType], 'destroys the object and its data')];
  }
  if (n.TruncateStmt) return [warn(input, 'TRUNCATE', 'deletes every row')];
  if (n.DeleteStmt && !n.DeleteStmt.whereClause && !createdHere(n.DeleteStmt.relation)) {
    return [warn(input, 'DELETE without WHERE', 'deletes every row')];
  }
  if (n.UpdateStmt && !n.UpdateStmt.whereClause && !createdHere(n.UpdateStmt.relation)) {
    return [warn(input, 'UPDATE without WHERE', 'rewrites every row')];
  }
  const dropsColumn = list(n.AlterTableStmt?.cmds).some((c) => nodeOf(c, 'AlterTableCmd')?.subtype === 'AT_DropColumn');
  if (dropsColumn && !createdHere(n.AlterTableStmt.relation)) {
    return [warn(input, 'ALTER TABLE … DROP COLUMN', 'destroys the column and its data')];
  }
  return [];
};
