import { Node, list, nodeOf } from '../ast';
import type { LockMode } from '../types';

/**
 * Lock level of one ALTER TABLE subcommand, following PostgreSQL 17's
 * AlterTableGetLockLevel() (src/backend/commands/tablecmds.c) and the ALTER
 * TABLE reference page: ACCESS EXCLUSIVE unless noted otherwise.
 */
const SHARE_UPDATE_EXCLUSIVE = new Set([
  'AT_SetStatistics', 'AT_ClusterOn', 'AT_DropCluster', 'AT_SetOptions', 'AT_ResetOptions',
  'AT_ValidateConstraint', 'AT_AttachPartition', 'AT_DetachPartitionFinalize',
]);

const SHARE_ROW_EXCLUSIVE = new Set([
  'AT_EnableTrig', 'AT_EnableAlwaysTrig', 'AT_EnableReplicaTrig', 'AT_EnableTrigAll', 'AT_EnableTrigUser',
  'AT_DisableTrig', 'AT_DisableTrigAll', 'AT_DisableTrigUser',
]);

/** Storage parameters that only need SHARE UPDATE EXCLUSIVE (AlterTableGetRelOptionsLockLevel). */
const LIGHT_RELOPTIONS = /^(fillfactor|parallel_workers|toast_tuple_target|log_autovacuum_min_duration|vacuum_index_cleanup|vacuum_truncate|(toast\.)?autovacuum_.*)$/;

export function alterTableCmdLock(cmd: Node): LockMode {
  const sub: string = cmd.subtype;
  if (SHARE_UPDATE_EXCLUSIVE.has(sub)) return 'SHARE UPDATE EXCLUSIVE';
  if (SHARE_ROW_EXCLUSIVE.has(sub)) return 'SHARE ROW EXCLUSIVE';
  if (sub === 'AT_DetachPartition') {
    return nodeOf(cmd.def, 'PartitionCmd')?.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
  }
  if (sub === 'AT_AddConstraint' && nodeOf(cmd.def, 'Constraint')?.contype === 'CONSTR_FOREIGN') {
    return 'SHARE ROW EXCLUSIVE'; // FK triggers on both tables: as strong as CREATE TRIGGER
  }
  if (sub === 'AT_SetRelOptions' || sub === 'AT_ResetRelOptions') {
    const names = list(cmd.def).map((d) => nodeOf(d, 'DefElem'));
    const light = names.every((d) => d && LIGHT_RELOPTIONS.test(`${d.defnamespace ? `${d.defnamespace}.` : ''}${d.defname}`));
    return light ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
  }
  return 'ACCESS EXCLUSIVE';
}

/** `AT_EnableRowSecurity` → `ENABLE ROW SECURITY`, for lock reasons. */
export function describeCmd(cmd: Node): string {
  const sub = String(cmd.subtype ?? '').replace(/^AT_/, '');
  const words = sub.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
  if (sub === 'AddConstraint') {
    const c = nodeOf(cmd.def, 'Constraint');
    return `ADD ${String(c?.contype ?? 'CONSTRAINT').replace(/^CONSTR_/, '')} CONSTRAINT`.replace('FOREIGN', 'FOREIGN KEY');
  }
  return words;
}
