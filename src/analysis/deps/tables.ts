import { Node, list, nodeOf, strings, defElem } from '../ast';
import { schemaName } from '../names';
import type { ObjectRef } from '../types';
import type { DepsCollector } from './collector';
import { collectRefs } from './refs';

const SERIAL = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** A relation also defines a composite type of the same name (its row type). */
function rowType(rel: ObjectRef | undefined): ObjectRef | undefined {
  return rel && { kind: 'type', name: rel.name };
}

/** CREATE TABLE: the table, its row type and serial/identity sequences; everything it references. */
export function createTable(b: Node, d: DepsCollector): void {
  const rel = d.names.relation(b.relation);
  d.create(rel);
  d.create(rowType(rel));
  if (rel) {
    for (const col of list(b.tableElts).map((e) => nodeOf(e, 'ColumnDef')).filter(Boolean)) {
      const isSerial = SERIAL.has(strings(col.typeName?.names).join('.'));
      const isIdentity = list(col.constraints).some((c) => nodeOf(c, 'Constraint')?.contype === 'CONSTR_IDENTITY');
      if (isSerial || isIdentity) d.create({ kind: 'relation', name: `${rel.name}_${col.colname}_seq` });
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
}

function relNames(rv: Node): Node[] {
  const parts = rv?.schemaname ? [rv.schemaname, rv.relname] : [rv?.relname];
  return parts.filter(Boolean).map((sval: string) => ({ String: { sval } }));
}

/** CREATE INDEX: needs the table; the index is a relation in the table's schema. */
export function createIndex(b: Node, d: DepsCollector): void {
  const table = d.names.relation(b.relation);
  d.need(table);
  if (table && b.idxname) d.create({ kind: 'relation', name: `${schemaName(table.name)}.${b.idxname}` });
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
