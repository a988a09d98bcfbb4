import { Node, list, nodeOf, strings } from '../ast';
import type { Names } from '../names';
import type { ParsedStatement } from '../types';
import { lineAt } from './rule';

/** A foreign key whose ON DELETE / ON UPDATE action sets columns to NULL. */
export interface SetNullFk {
  columns: string[];
  action: string;
  line: number;
}

/** NOT NULL columns and SET NULL foreign keys a statement declares on one table. */
export interface TableFacts {
  table: string;
  notNull: Array<{ column: string; line: number }>;
  setNullFks: SetNullFk[];
}

const SET_NULL = 'n'; // fk_del_action / fk_upd_action code for SET NULL

function setNullFk(con: Node, ownColumn: string | undefined, stmt: ParsedStatement): SetNullFk | undefined {
  const onDelete = con.fk_del_action === SET_NULL;
  const onUpdate = con.fk_upd_action === SET_NULL;
  if (!onDelete && !onUpdate) return undefined;
  const attrs = ownColumn ? [ownColumn] : strings(con.fk_attrs);
  // ON DELETE SET NULL (col, …) nulls only the listed columns.
  const delCols = strings(con.fk_del_set_cols);
  const columns = onDelete && !onUpdate && delCols.length ? delCols : attrs;
  const action = onDelete ? 'ON DELETE SET NULL' : 'ON UPDATE SET NULL';
  return { columns, action, line: lineAt(stmt, con.location) };
}

/** Facts from one column definition (CREATE TABLE element or ADD COLUMN). */
function columnFacts(col: Node, stmt: ParsedStatement, facts: TableFacts): void {
  for (const c of list(col.constraints)) {
    const con = nodeOf(c, 'Constraint');
    if (!con) continue;
    if (con.contype === 'CONSTR_NOTNULL' || con.contype === 'CONSTR_PRIMARY') {
      facts.notNull.push({ column: col.colname, line: lineAt(stmt, con.location ?? col.location) });
    }
    if (con.contype === 'CONSTR_FOREIGN') {
      const fk = setNullFk(con, col.colname, stmt);
      if (fk) facts.setNullFks.push(fk);
    }
  }
  if (col.is_not_null) facts.notNull.push({ column: col.colname, line: lineAt(stmt, col.location) });
}

/** Facts from a table-level constraint (CREATE TABLE element or ADD CONSTRAINT). */
function constraintFacts(con: Node, stmt: ParsedStatement, facts: TableFacts): void {
  if (con.contype === 'CONSTR_PRIMARY') {
    for (const k of strings(con.keys)) facts.notNull.push({ column: k, line: lineAt(stmt, con.location) });
  }
  if (con.contype === 'CONSTR_FOREIGN') {
    const fk = setNullFk(con, undefined, stmt);
    if (fk) facts.setNullFks.push(fk);
  }
}

/** NOT NULL / SET NULL facts of a CREATE TABLE or ALTER TABLE statement. */
export function tableFacts(stmt: ParsedStatement, names: Names): TableFacts | undefined {
  const create = stmt.node?.CreateStmt;
  const alter = stmt.node?.AlterTableStmt;
  const rel = create?.relation ?? (alter?.objtype === 'OBJECT_TABLE' ? alter.relation : undefined);
  const table = rel && names.relation(rel)?.name;
  if (!table) return undefined;
  const facts: TableFacts = { table, notNull: [], setNullFks: [] };
  if (create) {
    for (const el of list(create.tableElts)) {
      const col = nodeOf(el, 'ColumnDef');
      const con = nodeOf(el, 'Constraint');
      if (col) columnFacts(col, stmt, facts);
      if (con) constraintFacts(con, stmt, facts);
    }
  }
  for (const c of list(alter?.cmds)) {
    const cmd = nodeOf(c, 'AlterTableCmd');
    if (cmd?.subtype === 'AT_AddColumn' && nodeOf(cmd.def, 'ColumnDef')) columnFacts(nodeOf(cmd.def, 'ColumnDef'), stmt, facts);
    if (cmd?.subtype === 'AT_AddConstraint' && nodeOf(cmd.def, 'Constraint')) constraintFacts(nodeOf(cmd.def, 'Constraint'), stmt, facts);
    if (cmd?.subtype === 'AT_SetNotNull') facts.notNull.push({ column: cmd.name, line: stmt.line });
  }
  return facts;
}
