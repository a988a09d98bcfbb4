import { list, nodeOf } from '../ast';
import { addressRef } from '../deps/address';
import { destructiveKind } from '../statement-kinds';
import type { Rule } from './rule';

/**
 * Up steps should add; statements that destroy data or schema there are usually a
 * copy-paste from a down step. The table of statement kinds says which forms destroy;
 * what this unit itself created or added just before (scaffolding, a column it backfills)
 * is exempt.
 */
export const destructiveUp: Rule = ({ file, stmt, ctx, model, names }) => {
  if (ctx.direction !== 'up') return [];
  const kind = destructiveKind(stmt.node);
  if (!kind) return [];
  const n = stmt.node;
  const createdHere = (rv: unknown): boolean => {
    const ref = names.relation(rv);
    return !!ref && model.createdRelations.has(ref.name);
  };
  const addedHere = (rv: unknown, columns: string[]): boolean => {
    const added = model.addedColumns.get(names.relation(rv)?.name ?? '');
    return columns.length > 0 && !!added && columns.every((c) => added.has(c));
  };
  let exempt = false;
  if (n.DropStmt) {
    exempt = list(n.DropStmt.objects).every((o) => {
      const ref = addressRef(n.DropStmt.removeType, o, names, true);
      return !!ref && (model.createdRelations.has(ref.name) || model.createdTypes.has(ref.name));
    });
  } else if (n.TruncateStmt) {
    exempt = list(n.TruncateStmt.relations).every((r) => createdHere(r.RangeVar));
  } else if (n.DeleteStmt) {
    exempt = createdHere(n.DeleteStmt.relation);
  } else if (n.UpdateStmt) {
    // A backfill of columns this unit added is how a NOT NULL column is introduced, not a rewrite to fear.
    const set = list(n.UpdateStmt.targetList).map((t) => nodeOf(t, 'ResTarget')?.name).filter((c): c is string => typeof c === 'string');
    exempt = createdHere(n.UpdateStmt.relation) || addedHere(n.UpdateStmt.relation, set);
  } else if (n.AlterTableStmt) {
    const dropped = list(n.AlterTableStmt.cmds).map((c) => nodeOf(c, 'AlterTableCmd')).filter((c) => c?.subtype === 'AT_DropColumn').map((c) => c.name);
    exempt = createdHere(n.AlterTableStmt.relation) || addedHere(n.AlterTableStmt.relation, dropped);
  }
  if (exempt) return [];
  return [
    {
      rule: 'destructive-up',
      severity: 'warning',
      file,
      line: stmt.line,
      message: `${kind.label} in an up step ${kind.destroys}; make sure this is intended and that the down step can restore it.`,
    },
  ];
};
