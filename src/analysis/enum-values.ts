import { Node, strings, walk } from './ast';
import { lineAt } from './lines';
import type { Names } from './names';
import type { ParsedStatement } from './types';

/** An enum label that `ALTER TYPE … ADD VALUE` adds. */
export interface AddedValue {
  type: string;
  label: string;
}

/** The label an `ALTER TYPE … ADD VALUE` statement adds, if it is one. */
export function addedValue(stmt: ParsedStatement, names: Names): AddedValue | undefined {
  const b = stmt.node?.AlterEnumStmt;
  if (!b?.newVal || b.oldVal) return undefined;
  const type = names.typeFromList(strings(b.typeName))?.name ?? strings(b.typeName).join('.');
  return { type, label: b.newVal };
}

/**
 * Where a statement uses one of `labels` as a string constant: `'b'::e`, `status = 'b'`,
 * `DEFAULT 'b'`, `VALUES ('b')`. Reading the label as the enum is what fails (55P04) in the
 * transaction that added it; a constant equal to the label is taken as such a use, since the
 * parser cannot know which type an untyped constant will take.
 */
export function labelUses(stmt: ParsedStatement, labels: ReadonlySet<string>): Array<{ label: string; line: number }> {
  if (labels.size === 0 || stmt.node?.AlterEnumStmt) return [];
  const out: Array<{ label: string; line: number }> = [];
  walk(stmt.node, (kind: string, body: Node) => {
    if (kind !== 'A_Const') return;
    const s = body.sval?.sval;
    if (typeof s === 'string' && labels.has(s)) out.push({ label: s, line: lineAt(stmt, body.location) });
  });
  return out;
}

/** A value added in one unit and used in a later one: fine when each unit commits, fatal inside one transaction. */
export interface ValueUsedLater {
  type: string;
  label: string;
  added: { unit: string; file: string; line: number };
  used: { unit: string; file: string; line: number };
}

/** Every use, in a later unit, of an enum value an earlier unit of the sequence adds (the first use of each in each unit). */
export function valuesUsedInLaterUnits(units: ReadonlyArray<{ unit: string; file: string; statements: ParsedStatement[] }>, names: Names): ValueUsedLater[] {
  const added = new Map<string, AddedValue & { unit: string; file: string; line: number }>();
  const out: ValueUsedLater[] = [];
  for (const u of units) {
    const labels = new Set([...added.values()].filter((a) => a.unit !== u.unit).map((a) => a.label));
    const reported = new Set<string>();
    for (const stmt of u.statements) {
      for (const use of labelUses(stmt, labels)) {
        if (reported.has(use.label)) continue;
        reported.add(use.label);
        const a = added.get(use.label)!;
        out.push({ type: a.type, label: a.label, added: { unit: a.unit, file: a.file, line: a.line }, used: { unit: u.unit, file: u.file, line: use.line } });
      }
      const v = addedValue(stmt, names);
      if (v && !added.has(v.label)) added.set(v.label, { ...v, unit: u.unit, file: u.file, line: stmt.line });
    }
  }
  return out;
}
