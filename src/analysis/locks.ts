import { Node, firstKey, list, nodeOf, strings, walk } from './ast';
import { Names } from './names';
import { addressRef, RELATION_OBJECTS, SUBOBJECTS } from './deps/address';
import { alterTableCmdLock, describeCmd } from './locks/alter-table';
import { memoByNode } from './memo';
import { kindsOf } from './statement-kinds';
import { LOCK_MODES, type AnalysisOptions, type LockMode, type LockRequest, type ParsedStatement } from './types';

export type { LockMode, LockRequest } from './types';

const rank = (m: LockMode): number => LOCK_MODES.indexOf(m);

/** LOCK TABLE … IN mode: the parser's LOCKMODE numbers (1 = ACCESS SHARE … 8 = ACCESS EXCLUSIVE). */
const LOCK_BY_NUMBER: Record<number, LockMode> = Object.fromEntries(LOCK_MODES.map((m, i) => [i + 1, m]));

/** Per relation, the strongest lock the statement takes and why. */
class Footprint {
  private readonly byTable = new Map<string, LockRequest>();

  constructor(readonly names: Names) {}

  add(table: string | undefined, lock: LockMode, reason: string): void {
    if (!table) return;
    const prev = this.byTable.get(table);
    if (!prev || rank(lock) > rank(prev.lock)) this.byTable.set(table, { table, lock, reason });
  }

  rv(rv: Node, lock: LockMode, reason: string): void {
    this.add(this.names.relation(rv)?.name, lock, reason);
  }

  /** ACCESS SHARE on every relation read under `node` (FROM, JOIN, sub-selects, CTE bodies). */
  reads(node: Node, reason: string): void {
    // One walk: a CTE's definition comes after the FROM that uses it, so RangeVars wait for the CTE names.
    const ctes = new Set<string>();
    const rvs: Node[] = [];
    walk(node, (kind, body) => {
      if (kind === 'IntoClause' || kind === 'LockingClause') return false;
      if (kind === 'CommonTableExpr') ctes.add(body.ctename);
      else if (kind === 'RangeVar') rvs.push(body);
      return undefined;
    });
    for (const rv of rvs) if (!(rv.schemaname === undefined && ctes.has(rv.relname))) this.rv(rv, 'ACCESS SHARE', reason);
  }

  /** SHARE ROW EXCLUSIVE on the referenced table of every foreign key under `node`. */
  foreignKeys(node: Node, self: string | undefined, reason: string): void {
    walk(node, (kind, body) => {
      if (kind === 'Constraint') this.foreignKey(body, self, reason);
    });
  }

  /** foreignKeys of one Constraint. */
  foreignKey(c: Node, self: string | undefined, reason: string): void {
    if (c.contype !== 'CONSTR_FOREIGN' || !c.pktable) return;
    const target = this.names.relation(c.pktable)?.name;
    if (target !== self) this.add(target, 'SHARE ROW EXCLUSIVE', reason);
  }

  result(): LockRequest[] {
    return [...this.byTable.values()];
  }
}

/** A statement's form from the table of statement kinds: its label, and the lock it takes on the relation it names. */
interface Kind {
  label: string;
  lock: LockMode;
}

type Handler = (b: Node, f: Footprint, kind: Kind) => void;

const HANDLERS: Record<string, Handler> = {
  CreateStmt(b, f) {
    const self = f.names.relation(b.relation)?.name;
    for (const parent of list(b.inhRelations)) {
      // PARTITION OF locks the parent ACCESS EXCLUSIVE (unlike ATTACH PARTITION: SHARE UPDATE EXCLUSIVE).
      if (b.partbound) f.rv(parent.RangeVar, 'ACCESS EXCLUSIVE', `CREATE TABLE ${self} PARTITION OF it`);
      else f.rv(parent.RangeVar, 'SHARE UPDATE EXCLUSIVE', `CREATE TABLE ${self} INHERITS from it`);
    }
    // One walk of the columns and constraints; the LIKE sources are added after the foreign
    // keys' targets, as before (the order locks are listed in).
    const likes: Node[] = [];
    walk(b.tableElts, (kind, body) => {
      if (kind === 'Constraint') f.foreignKey(body, self, `foreign key from new table ${self}`);
      else if (kind === 'TableLikeClause') likes.push(body.relation);
    });
    for (const rv of likes) f.rv(rv, 'ACCESS SHARE', `CREATE TABLE ${self} (LIKE it)`);
  },

  AlterTableStmt(b, f) {
    if (b.objtype === 'OBJECT_TYPE') return; // ALTER TYPE … ATTRIBUTE: no table lock we track
    const table = f.names.relation(b.relation)?.name;
    let lock: LockMode = 'ACCESS SHARE';
    let why = '';
    for (const c of list(b.cmds)) {
      const cmd = nodeOf(c, 'AlterTableCmd');
      if (!cmd) continue;
      const l = alterTableCmdLock(cmd);
      if (!why || rank(l) > rank(lock)) [lock, why] = [l, describeCmd(cmd)];
      const part = nodeOf(cmd.def, 'PartitionCmd');
      if (cmd.subtype === 'AT_AttachPartition' && part) f.rv(part.name, 'ACCESS EXCLUSIVE', `ATTACH PARTITION to ${table}`);
      if (cmd.subtype === 'AT_DetachPartition' && part) {
        f.rv(part.name, part.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', `DETACH PARTITION from ${table}`);
      }
      if (cmd.subtype === 'AT_AddInherit') f.rv(cmd.def?.RangeVar, 'SHARE UPDATE EXCLUSIVE', `${table} INHERIT it`);
    }
    if (why) f.add(table, lock, `ALTER TABLE ${why}`);
    f.foreignKeys(b.cmds, table, `foreign key added on ${table}`);
  },

  IndexStmt(b, f, k) {
    f.rv(b.relation, k.lock, b.concurrent ? k.label : `${k.label} (blocks writes until built)`);
  },

  CreateTrigStmt(b, f, k) {
    f.rv(b.relation, k.lock, `${k.label} ${b.trigname}`);
  },

  CreatePolicyStmt(b, f) {
    f.rv(b.table, 'ACCESS EXCLUSIVE', `CREATE POLICY ${b.policy_name}`);
    f.reads({ q: b.qual, c: b.with_check }, `referenced by policy ${b.policy_name}`);
  },

  AlterPolicyStmt(b, f) {
    f.rv(b.table, 'ACCESS EXCLUSIVE', `ALTER POLICY ${b.policy_name}`);
    f.reads({ q: b.qual, c: b.with_check }, `referenced by policy ${b.policy_name}`);
  },

  DropStmt(b, f) {
    const type: string = b.removeType;
    const word = type.replace(/^OBJECT_/, '').replace('_', ' ');
    for (const obj of list(b.objects)) {
      const ref = addressRef(type, obj, f.names, true);
      if (!ref || ref.kind !== 'relation') continue;
      if (SUBOBJECTS.has(type)) f.add(ref.name, 'ACCESS EXCLUSIVE', `DROP ${word} ${strings(obj).slice(-1)[0]}`);
      else if (type === 'OBJECT_INDEX') {
        // The index's table is locked too (SHARE UPDATE EXCLUSIVE when CONCURRENTLY); its name is not in the SQL.
        f.add(ref.name, b.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', `DROP INDEX${b.concurrent ? ' CONCURRENTLY' : ''} (and its table)`);
      } else if (RELATION_OBJECTS.has(type)) f.add(ref.name, 'ACCESS EXCLUSIVE', `DROP ${word}`);
    }
  },

  TruncateStmt(b, f, k) {
    for (const r of list(b.relations)) f.rv(r.RangeVar, k.lock, k.label);
  },

  InsertStmt: dml('INSERT'),
  UpdateStmt: dml('UPDATE'),
  DeleteStmt: dml('DELETE'),
  MergeStmt: dml('MERGE'),

  SelectStmt(b, f) {
    f.reads(b, 'SELECT');
    const clauses = list(b.lockingClause).map((l) => nodeOf(l, 'LockingClause')).filter(Boolean);
    if (clauses.length === 0) return;
    // FOR UPDATE/SHARE takes ROW SHARE on the locked FROM items (all of them when no OF list).
    const named = new Set(clauses.flatMap((c) => list(c.lockedRels).map((r) => r.RangeVar?.relname)));
    walk(b.fromClause, (kind, body) => {
      if (kind === 'RangeSubselect') return false;
      if (kind === 'RangeVar' && (named.size === 0 || named.has(body.relname) || named.has(body.alias?.aliasname))) {
        f.rv(body, 'ROW SHARE', 'SELECT … FOR UPDATE/SHARE');
      }
      return undefined;
    });
  },

  LockStmt(b, f) {
    const lock = LOCK_BY_NUMBER[b.mode] ?? 'ACCESS EXCLUSIVE';
    for (const r of list(b.relations)) f.rv(r.RangeVar, lock, `LOCK TABLE IN ${lock} MODE`);
  },

  CommentStmt(b, f) {
    if (!RELATION_OBJECTS.has(b.objtype) && !SUBOBJECTS.has(b.objtype)) return;
    const ref = addressRef(b.objtype, b.object, f.names, true);
    f.add(ref?.name, 'SHARE UPDATE EXCLUSIVE', `COMMENT ON ${String(b.objtype).replace(/^OBJECT_/, '')}`);
  },

  RenameStmt(b, f) {
    const type: string = b.renameType;
    if (!b.relation || (!RELATION_OBJECTS.has(type) && !SUBOBJECTS.has(type))) return;
    const lock: LockMode = type === 'OBJECT_INDEX' ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
    f.rv(b.relation, lock, `RENAME ${type.replace(/^OBJECT_/, '')}`);
  },

  AlterObjectSchemaStmt(b, f) {
    if (b.relation && RELATION_OBJECTS.has(b.objectType)) f.rv(b.relation, 'ACCESS EXCLUSIVE', 'SET SCHEMA');
  },

  VacuumStmt(b, f, k) {
    for (const r of list(b.rels)) f.rv(r.VacuumRelation?.relation, k.lock, k.label);
  },

  ReindexStmt(b, f, k) {
    const what = b.kind === 'REINDEX_OBJECT_TABLE' ? 'TABLE' : b.kind === 'REINDEX_OBJECT_INDEX' ? 'INDEX (its table gets SHARE)' : undefined;
    if (what) f.rv(b.relation, k.lock, k.label.includes('CONCURRENTLY') ? `REINDEX ${what.split(' ')[0]} CONCURRENTLY` : `REINDEX ${what}`);
  },

  ClusterStmt(b, f, k) {
    if (b.relation) f.rv(b.relation, k.lock, k.label);
  },

  RefreshMatViewStmt(b, f, k) {
    f.rv(b.relation, k.lock, k.label);
  },

  ViewStmt(b, f) {
    if (b.replace) f.rv(b.view, 'ACCESS EXCLUSIVE', 'CREATE OR REPLACE VIEW');
    f.reads(b.query, 'read by the view definition');
  },

  CreateTableAsStmt(b, f) {
    f.reads(b.query, 'read by CREATE TABLE AS');
  },
};

/** INSERT/UPDATE/DELETE/MERGE: ROW EXCLUSIVE on the target, ACCESS SHARE on what they read. */
function dml(verb: string): Handler {
  return (b, f, k) => {
    f.reads({ ...b, relation: undefined }, `read by ${verb}`);
    f.rv(b.relation, k.lock, verb);
  };
}

/**
 * Table-level locks a statement takes, per PostgreSQL 17's documented lock
 * levels: one entry per relation with the strongest mode and why. Relations
 * the statement creates are not listed; the caller filters to relations that
 * exist. GRANT, DO, CREATE FUNCTION and the like report nothing.
 */
export const lockFootprint = memoByNode(footprintOf);

function footprintOf(stmt: ParsedStatement, opts: AnalysisOptions): LockRequest[] {
  const kind = firstKey(stmt.node);
  const handler = kind === undefined ? undefined : HANDLERS[kind];
  if (!handler || kind === undefined) return [];
  const f = new Footprint(new Names(opts));
  const k = kindsOf(stmt.node).find((x) => x.lock);
  handler(stmt.node[kind], f, { label: k?.label ?? kind, lock: k?.lock ?? 'ACCESS EXCLUSIVE' });
  return f.result();
}
