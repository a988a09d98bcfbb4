import { Node, strings, walk } from '../ast';
import { at } from '../names';
import type { DepsCollector } from './collector';

/** Name lists found in FROM clauses that are CTEs, not relations. */
function cteNames(node: Node): Set<string> {
  const names = new Set<string>();
  walk(node, (kind, body) => {
    if (kind === 'CommonTableExpr' && typeof body.ctename === 'string') names.add(body.ctename);
  });
  return names;
}

/**
 * Records as needs every relation, function, type and role referenced anywhere
 * under `node`: expressions, sub-selects, EXISTS, CTEs, casts. Used for
 * CHECK/DEFAULT expressions, policy USING/WITH CHECK and DML.
 */
export function collectRefs(node: Node, deps: DepsCollector): void {
  const ctes = cteNames(node);
  walk(node, (kind, body) => {
    switch (kind) {
      case 'RangeVar':
        if (!body.schemaname && ctes.has(body.relname)) return;
        deps.need(deps.names.relation(body));
        return;
      case 'FuncCall':
        deps.need(at(deps.names.func(strings(body.funcname)), body.location));
        return;
      case 'TypeName':
        deps.need(deps.names.type(body));
        return;
      case 'RoleSpec':
        deps.need(deps.names.role(body));
        return;
      case 'LockingClause':
        return false; // FOR UPDATE OF names FROM items (often aliases), not relations
      case 'IntoClause':
        return false; // SELECT INTO creates; the caller records it
      default:
        return;
    }
  });
}
