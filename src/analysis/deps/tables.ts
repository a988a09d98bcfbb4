import { Node, list, nodeOf, strings, defElem } from '../ast';
import { bareName, schemaName } from '../names';
import type { ObjectRef } from '../types';
import type { DepsCollector } from './collector';
import { collectRefs } from './refs';
import { constraintIndexName, indexName, objectName } from './index-names';

const SERIAL = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** A relation also defines a composite type of the same name (its row type). */
function rowType(rel: ObjectRef | undefined): ObjectRef | undefined {
  return rel && { kind: 'type', name: rel.name };
}

/** A relation in the schema of `table` (indexes and sequences live beside their table). */
function beside(table: ObjectRef, name: string): ObjectRef {
  return { kind: 'relation', name: `${schemaName(table.name)}.${name}` };
}

/** What a column definition creates beside its table: a serial/identity sequence, a PRIMARY KEY/UNIQUE index. */
function columnCreates(table: ObjectRef, col: Node, d: DepsCollector): void {
  const isSerial = SERIAL.has(strings(col.typeName?.names).join('.'));
  const cons = list(col.constraints).map((c) => nodeOf(c, 'Constraint')).filter(Boolean);
  if (isSerial || cons.some((c) => c.contype === 'CONSTR_IDENTITY')) d.create(beside(table, objectName(bareName(table.name), col.colname, 'seq')));
  for (const con of cons) constraintCreates(table, con, d, col.colname);
}

/** The index a PRIMARY KEY / UNIQUE / EXCLUDE constraint builds (ADD … USING INDEX renames the index to the constraint). */
function constraintCreates(table: ObjectRef, con: Node, d: DepsCollector, column?: string): void {
  const name = constraintIndexName(bareName(table.name), con, column);
  if (!name) return;
  if (typeof con.indexname === 'string' && name !== con.indexname) d.drop(beside(table, con.indexname));
  d.create(beside(table, name));
}

/** CREATE TABLE: the table, its row type, serial/identity sequences and constraint indexes; everything it references. */
export function createTable(b: Node, d: DepsCollector): void {
  const rel = d.names.relation(b.relation);
  d.create(rel);
  d.create(rowType(rel));
  if (rel) {
    for (const el of list(b.tableElts)) {
      const col = nodeOf(el, 'ColumnDef');
      const con = nodeOf(el, 'Constraint');
      if (col) columnCreates(rel, col, d);
      if (con) constraintCreates(rel, con, d);
    }
  }
  // Columns' types, REFERENCES targets, CHECK/DEFAULT calls, INHERITS / PARTITION OF parents, LIKE sources.
  collectRefs({ ...b, relation: undefined }, d);
}

/** ALTER TABLE (also ALTER TYPE … ADD ATTRIBUTE, which the parser maps here). */
export function alterTable(b: Node, d: DepsCollector): void {
  const target = b.objtype === 'OBJECT_TYPE' ? d.names.type({ names: relNames(b.relation) }) : d.names.relation(b.relation);
  if (!b.missing_ok) d.need(target);
  collectRefs({ cmds: b.cmds }, d);
  if (!target || b.objtype === 'OBJECT_TYPE') return;
  for (const c of list(b.cmds)) {
    const cmd = nodeOf(c, 'AlterTableCmd');
    const col = cmd?.subtype === 'AT_AddColumn' ? nodeOf(cmd.def, 'ColumnDef') : undefined;
    const con = cmd?.subtype === 'AT_AddConstraint' ? nodeOf(cmd.def, 'Constraint') : undefined;
    if (col) columnCreates(target, col, d);
    if (con) constraintCreates(target, con, d);
  }
}

function relNames(rv: Node): Node[] {
  const parts = rv?.schemaname ? [rv.schemaname, rv.relname] : [rv?.relname];
  return parts.filter(Boolean).map((sval: string) => ({ String: { sval } }));
}

/** CREATE INDEX: needs the table; the index is a relation in the table's schema. */
export function createIndex(b: Node, d: DepsCollector): void {
  const table = d.names.relation(b.relation);
  d.need(table);
  if (table) d.create(beside(table, b.idxname ?? indexName(bareName(table.name), b)));
  collectRefs({ p: b.indexParams, i: b.indexIncludingParams, w: b.whereClause }, d);
}

export function createView(b: Node, d: DepsCollector): void {
  const rel = d.names.relation(b.view);
  d.create(rel);
  d.create(rowType(rel));
  collectRefs(b.query, d);
}

/** CREATE TABLE AS / CREATE MATERIALIZED VIEW / SELECT … INTO. */
export function createTableAs(b: Node, d: DepsCollector): void {
  const rel = d.names.relation(b.into?.rel);
  d.create(rel);
  d.create(rowType(rel));
  collectRefs(b.query, d);
}

export function selectStmt(b: Node, d: DepsCollector): void {
  if (b.intoClause) {
    const rel = d.names.relation(b.intoClause.rel);
    d.create(rel);
    d.create(rowType(rel));
  }
  collectRefs(b, d);
}

export function createSequence(b: Node, d: DepsCollector): void {
  d.create(d.names.relation(b.sequence));
  const owned = strings(defElem(b.options, 'owned_by')?.arg);
  if (owned.length >= 2) d.need(d.names.relationFromList(owned.slice(0, -1)));
  collectRefs({ o: b.options }, d);
}

/** Statements that only need the relations they name (LOCK, TRUNCATE, VACUUM, CLUSTER, REINDEX, REFRESH). */
export function needsRelations(b: Node, d: DepsCollector): void {
  collectRefs(b, d);
}
