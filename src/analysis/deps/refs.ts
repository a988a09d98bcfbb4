import { Node, strings, walk } from '../ast';
import { at } from '../names';
import type { DepsCollector } from './collector';

/**
 * Records as needs every relation, function, type and role referenced anywhere
 * under `node`: expressions, sub-selects, EXISTS, CTEs, casts. Used for
 * CHECK/DEFAULT expressions, policy USING/WITH CHECK and DML.
 *
 * One walk: the references are kept in the order met and recorded after it, once the CTE
 * names are known (a CTE's definition comes after the FROM that uses it in the tree), so a
 * RangeVar that names a CTE is left out.
 */
export function collectRefs(node: Node, deps: DepsCollector): void {
  const ctes = new Set<string>();
  const found: Array<[string, Node]> = [];
  walk(node, (kind, body) => {
    switch (kind) {
      case 'CommonTableExpr':
        if (typeof body.ctename === 'string') ctes.add(body.ctename);
        return;
      case 'RangeVar':
      case 'FuncCall':
      case 'TypeName':
      case 'RoleSpec':
        found.push([kind, body]);
        return;
      case 'LockingClause':
        return false; // FOR UPDATE OF names FROM items (often aliases), not relations
      case 'IntoClause':
        return false; // SELECT INTO creates; the caller records it
      default:
        return;
    }
  });
  for (const [kind, body] of found) {
    switch (kind) {
      case 'RangeVar':
        if (!body.schemaname && ctes.has(body.relname)) continue;
        deps.need(deps.names.relation(body));
        continue;
      case 'FuncCall':
        deps.need(at(deps.names.func(strings(body.funcname)), body.location));
        continue;
      case 'TypeName':
        deps.need(deps.names.type(body));
        continue;
      default:
        deps.need(deps.names.role(body));
    }
  }
}
