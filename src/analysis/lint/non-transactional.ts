import { defElem, list, nodeOf, strings } from '../ast';
import type { Names } from '../names';
import type { ParsedStatement } from '../types';
import type { UnitModel } from './model';
import type { Rule } from './rule';

/**
 * Why PostgreSQL refuses to run a statement inside a transaction block (or, for
 * ALTER TYPE … ADD VALUE, why the new label is unusable until commit), or
 * undefined if it is fine inside one. `model` is the unit before `stmt`.
 */
export function nonTransactionalReason(stmt: ParsedStatement, model: UnitModel, names: Names): string | undefined {
  const n = stmt.node ?? {};
  if (n.IndexStmt?.concurrent) return 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block';
  if (n.DropStmt?.concurrent) return 'DROP INDEX CONCURRENTLY cannot run inside a transaction block';
  if (n.ReindexStmt) {
    if (defElem(n.ReindexStmt.params, 'concurrently')) return 'REINDEX CONCURRENTLY cannot run inside a transaction block';
    if (/SYSTEM|DATABASE/.test(n.ReindexStmt.kind)) return 'REINDEX SYSTEM/DATABASE cannot run inside a transaction block';
  }
  if (n.VacuumStmt?.is_vacuumcmd) return 'VACUUM cannot run inside a transaction block';
  if (n.ClusterStmt && !n.ClusterStmt.relation) return 'CLUSTER without a table cannot run inside a transaction block';
  if (n.CreatedbStmt) return 'CREATE DATABASE cannot run inside a transaction block';
  if (n.DropdbStmt) return 'DROP DATABASE cannot run inside a transaction block';
  if (n.AlterSystemStmt) return 'ALTER SYSTEM cannot run inside a transaction block';
  if (n.CreateTableSpaceStmt) return 'CREATE TABLESPACE cannot run inside a transaction block';
  if (n.DropTableSpaceStmt) return 'DROP TABLESPACE cannot run inside a transaction block';
  if (n.CreateSubscriptionStmt || n.DropSubscriptionStmt) return 'CREATE/DROP SUBSCRIPTION with a replication slot cannot run inside a transaction block';
  const detach = list(n.AlterTableStmt?.cmds)
    .map((c) => nodeOf(c, 'AlterTableCmd'))
    .some((cmd) => cmd?.subtype === 'AT_DetachPartition' && nodeOf(cmd.def, 'PartitionCmd')?.concurrent);
  if (detach) return 'DETACH PARTITION CONCURRENTLY cannot run inside a transaction block';
  const addValue = n.AlterEnumStmt;
  if (addValue?.newVal && !addValue.oldVal) {
    const type = names.qualify(strings(addValue.typeName), 'type')?.name;
    if (type && model.createdTypes.has(type)) {
      return `ALTER TYPE ${type} ADD VALUE on a type created in the same unit: the new label cannot be used until the transaction commits`;
    }
  }
  return undefined;
}

export const nonTransactional: Rule = ({ file, stmt, model, names }) => {
  const reason = nonTransactionalReason(stmt, model, names);
  if (!reason) return [];
  return [
    {
      rule: 'non-transactional',
      severity: 'warning',
      file,
      line: stmt.line,
      message:
        `${reason}: the runner must execute this unit outside a transaction ` +
        `(a no-transaction unit, ideally holding only this statement, since it cannot be rolled back as a whole).`,
    },
  ];
};
