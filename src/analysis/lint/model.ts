import { defElem, list, nodeOf, str, strings } from '../ast';
import type { Volatility } from '../builtins';
import type { Names } from '../names';
import { addedValue } from '../enum-values';
import type { ParsedStatement } from '../types';
import { tableFacts, type SetNullFk } from './columns';

/**
 * What the statements of a unit have done so far: the state rules need to
 * judge the next statement ("was this table created in this unit?", "is this
 * function IMMUTABLE?", "is this column NOT NULL?").
 */
export class UnitModel {
  readonly createdRelations = new Set<string>();
  readonly createdTypes = new Set<string>();
  readonly functionVolatility = new Map<string, Volatility>();
  readonly notNull = new Map<string, Set<string>>();
  readonly setNullFks = new Map<string, SetNullFk[]>();
  /** Columns added by ALTER TABLE … ADD COLUMN in this unit, per table. */
  readonly addedColumns = new Map<string, Set<string>>();
  /** Tables created here with PARTITION BY. */
  readonly partitioned = new Set<string>();
  /** Enum labels this unit added (ALTER TYPE … ADD VALUE), with the line that added them. */
  readonly addedEnumValues = new Map<string, { type: string; line: number }>();

  constructor(private readonly names: Names) {}

  observe(stmt: ParsedStatement): void {
    const n = stmt.node ?? {};
    const rel = n.CreateStmt?.relation ?? n.ViewStmt?.view ?? n.CreateTableAsStmt?.into?.rel ?? n.CreateSeqStmt?.sequence;
    const relRef = rel && this.names.relation(rel);
    if (relRef) this.createdRelations.add(relRef.name);
    if (relRef && n.CreateStmt?.partspec) this.partitioned.add(relRef.name);
    const value = addedValue(stmt, this.names);
    if (value) this.addedEnumValues.set(value.label, { type: value.type, line: stmt.line });
    const typeParts = n.CreateEnumStmt?.typeName ?? n.CreateDomainStmt?.domainname ?? n.CreateRangeStmt?.typeName;
    const typeRef = typeParts && this.names.qualify(strings(typeParts), 'type');
    if (typeRef) this.createdTypes.add(typeRef.name);
    if (n.CreateFunctionStmt) this.noteFunction(strings(n.CreateFunctionStmt.funcname), n.CreateFunctionStmt.options, true);
    if (n.AlterFunctionStmt) this.noteFunction(strings(n.AlterFunctionStmt.func?.objname), n.AlterFunctionStmt.actions, false);
    const facts = tableFacts(stmt, this.names);
    if (facts) {
      const cols = this.notNull.get(facts.table) ?? new Set<string>();
      facts.notNull.forEach((c) => cols.add(c.column));
      this.notNull.set(facts.table, cols);
      this.setNullFks.set(facts.table, [...(this.setNullFks.get(facts.table) ?? []), ...facts.setNullFks]);
    }
    const altered = n.AlterTableStmt && this.names.relation(n.AlterTableStmt.relation)?.name;
    for (const c of list(n.AlterTableStmt?.cmds)) {
      const cmd = nodeOf(c, 'AlterTableCmd');
      if (altered && cmd?.subtype === 'AT_DropNotNull') this.notNull.get(altered)?.delete(cmd.name);
      const added = altered && cmd?.subtype === 'AT_AddColumn' ? nodeOf(cmd.def, 'ColumnDef')?.colname : undefined;
      if (altered && added) this.addedColumns.set(altered, new Set([...(this.addedColumns.get(altered) ?? []), added]));
    }
  }

  private noteFunction(parts: string[], options: unknown, creating: boolean): void {
    const ref = this.names.qualify(parts, 'function');
    if (!ref) return;
    const declared = str(defElem(options, 'volatility')?.arg) as Volatility | undefined;
    // A function created without a volatility clause is VOLATILE.
    if (declared) this.functionVolatility.set(ref.name, declared);
    else if (creating) this.functionVolatility.set(ref.name, 'volatile');
  }
}
