import type { Expectations, Unit } from '../engine/units';
import { findGaps } from './dependencies';
import { lintStatements, needsNoTransaction } from './lint';
import { lockFootprint } from './locks';
import { parseSql } from './parse';
import { blankSteps } from './blank';
import { statementDeps } from './dependencies';
import type { Finding, Gap, LockRequest, ObjectRef, ParsedStatement, SqlSyntaxIssue } from './types';

/** What the database says about the objects the units mention; gathered by the caller in one query. */
export interface CatalogFacts {
  exists(ref: ObjectRef): boolean;
  /** Estimated rows and bytes of an existing table; undefined when it does not exist. */
  table(name: string): { rows: number; bytes: number } | undefined;
}

export interface UnitAnalysis {
  unit: Unit;
  statements: ParsedStatement[];
  syntaxError?: SqlSyntaxIssue;
  findings: Finding[];
  transactional: boolean;
  locks: Array<LockRequest & { line: number; rows: number; bytes: number }>;
}

export interface SequenceAnalysis {
  units: UnitAnalysis[];
  gaps: Gap[];
  /** Every object any statement needs: the caller asks the catalog about these. */
  needed: ObjectRef[];
}

/** Parses every unit's up step with the real PostgreSQL parser (no database needed). */
export async function parseUnits(units: readonly Unit[]): Promise<Array<{ unit: Unit; statements: ParsedStatement[]; syntaxError?: SqlSyntaxIssue; findings: Finding[] }>> {
  const out = [];
  for (const unit of units) {
    const r = await parseSql(unit.up.path, unit.up.text);
    if (r.ok) out.push({ unit, statements: r.statements, findings: [] });
    else out.push({ unit, statements: r.parsedBefore, syntaxError: r.error, findings: r.findings });
  }
  return out;
}

export function neededObjects(parsed: Array<{ statements: ParsedStatement[] }>): ObjectRef[] {
  const seen = new Map<string, ObjectRef>();
  for (const p of parsed) {
    for (const st of p.statements) {
      for (const ref of statementDeps(st).needs) seen.set(`${ref.kind}:${ref.name}`, ref);
      for (const l of lockFootprint(st)) seen.set(`relation:${l.table}`, { kind: 'relation', name: l.table });
    }
  }
  return [...seen.values()];
}

/**
 * Gaps, lint findings and lock footprints of a sequence of pending units, in order.
 * What a unit declares in expect.json counts as provided from its start: create-if-absent
 * DO blocks (a role, auth.uid()) are opaque to the parser but declared there.
 */
export function analyzeSequence(parsed: Awaited<ReturnType<typeof parseUnits>>, facts: CatalogFacts): SequenceAnalysis {
  const rawGaps = findGaps(parsed.map((p) => ({ unit: p.unit.name, file: p.unit.up.path, statements: p.statements })), facts.exists);
  const declaredUpTo = new Map<string, Set<string>>();
  const acc = new Set<string>();
  for (const p of parsed) {
    for (const k of declaredObjects(p.unit.expect)) acc.add(k);
    declaredUpTo.set(p.unit.name, new Set(acc));
  }
  const gaps = rawGaps.filter((g) => !declaredUpTo.get(g.unit)?.has(`${g.kind}:${g.name}`));
  const units: UnitAnalysis[] = parsed.map((p) => {
    const created = new Set<string>();
    const locks: UnitAnalysis['locks'] = [];
    // Each lock on each table once, at its first line: a data load of 500,000 INSERTs takes one lock.
    const seen = new Set<string>();
    for (const st of p.statements) {
      for (const l of lockFootprint(st)) {
        const t = facts.table(l.table);
        const key = `${l.table}\0${l.lock}`;
        if (t && !created.has(l.table) && !seen.has(key)) {
          seen.add(key);
          locks.push({ ...l, line: st.line, rows: t.rows, bytes: t.bytes });
        }
      }
      for (const c of statementDeps(st).creates) if (c.kind === 'relation') created.add(c.name);
    }
    const findings = [
      ...p.findings,
      ...lintStatements(p.unit.up.path, p.statements, { direction: 'up', tableRows: (name) => (created.has(name) ? undefined : facts.table(name)?.rows) }),
      ...(p.unit.down ? [] : [{ rule: 'no-down', severity: 'warning' as const, file: p.unit.up.path, line: 1, message: `${p.unit.name} has no down step: it can be applied but not rolled back` }]),
      ...blankSteps(p.unit),
    ];
    return { unit: p.unit, statements: p.statements, syntaxError: p.syntaxError, findings, transactional: p.unit.transactional && !needsNoTransaction(p.statements), locks };
  });
  return { units, gaps, needed: neededObjects(parsed) };
}

function declaredObjects(e: Expectations | undefined): string[] {
  if (!e) return [];
  return [
    ...(e.roles ?? []).map((r) => `role:${r}`),
    ...(e.schemas ?? []).map((s) => `schema:${s}`),
    ...Object.keys(e.tables ?? {}).map((t) => `relation:${t}`),
    ...(e.functions ?? []).map((f) => `function:${f.replace(/\(.*$/, '')}`),
    ...Object.keys(e.enums ?? {}).map((t) => `type:${t}`),
  ];
}
