import type { Finding } from '../types';
import { tableFacts } from './columns';
import type { Rule } from './rule';

/**
 * A column that is NOT NULL (or in the primary key) and also the referencing
 * side of a foreign key with ON DELETE SET NULL: deleting the referenced row
 * makes PostgreSQL write NULL into it, which the NOT NULL rejects, so every
 * such delete fails (the original 0023 `created_by`). Checked within the
 * statement and against what earlier statements of the unit declared.
 */
export const notNullSetNull: Rule = ({ file, stmt, model, names }) => {
  const facts = tableFacts(stmt, names);
  if (!facts) return [];
  const priorNotNull = model.notNull.get(facts.table) ?? new Set<string>();
  const priorFks = model.setNullFks.get(facts.table) ?? [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const report = (column: string, action: string, line: number): void => {
    if (seen.has(column)) return;
    seen.add(column);
    findings.push({
      rule: 'not-null-set-null',
      severity: 'error',
      file,
      line,
      message:
        `Column ${facts.table}.${column} is NOT NULL but its foreign key says ${action}: ` +
        `deleting the referenced row would set it to NULL, so that delete always fails. ` +
        `Make the column nullable or use ON DELETE CASCADE / RESTRICT.`,
    });
  };
  // New foreign keys against NOT NULL columns declared here or earlier.
  const notNullNow = new Set([...priorNotNull, ...facts.notNull.map((c) => c.column)]);
  for (const fk of facts.setNullFks) {
    for (const col of fk.columns) if (notNullNow.has(col)) report(col, fk.action, fk.line);
  }
  // New NOT NULL declarations against foreign keys declared earlier in the unit.
  for (const nn of facts.notNull) {
    const fk = priorFks.find((f) => f.columns.includes(nn.column));
    if (fk) report(nn.column, fk.action, nn.line);
  }
  return findings;
};
