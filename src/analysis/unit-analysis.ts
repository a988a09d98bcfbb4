import type { Expectations, Unit, UnitFile } from '../engine/units';
import { candidates, findGaps, searchPathAfter, statementDeps } from './dependencies';
import { valuesUsedInLaterUnits } from './enum-values';
import { lintStep } from './lint';
import { lockFootprint } from './locks';
import { Names } from './names';
import { parseAll } from './parse-batch';
import { blankSteps } from './blank';
import { createsPartitioned, superuserNeed } from './statement-kinds';
import { stepTransaction, transactionOf } from './transaction';
import type { Finding, Gap, LockRequest, ObjectRef, ParsedStatement, ParseResult, SqlSyntaxIssue } from './types';

/** What the database says about the objects the units mention; gathered by the caller in one query. */
export interface CatalogFacts {
  exists(ref: ObjectRef): boolean;
  /** Estimated rows and bytes of an existing table; undefined when it does not exist. */
  table(name: string): { rows: number; bytes: number; partitioned?: boolean } | undefined;
}

/** One step of a unit as the parser saw it. */
export interface ParsedStep {
  file: UnitFile;
  statements: ParsedStatement[];
  syntaxError?: SqlSyntaxIssue;
  findings: Finding[];
}

export interface ParsedUnit {
  unit: Unit;
  up: ParsedStep;
  down?: ParsedStep;
}

/** The analysis of one step (up or down). */
export interface StepAnalysis {
  file: string;
  statements: ParsedStatement[];
  syntaxError?: SqlSyntaxIssue;
  /** False when a statement cannot run in a transaction (or the file says so): the runner runs it outside one. */
  transactional: boolean;
  /** Why not, and where. */
  outside?: { line: number; reason: string };
  locks: Array<LockRequest & { line: number; rows: number; bytes: number }>;
  /** Statements only a superuser may run. */
  superuser: Array<{ line: number; reason: string }>;
}

export interface UnitAnalysis extends StepAnalysis {
  unit: Unit;
  findings: Finding[];
  down?: StepAnalysis;
}

export interface SequenceAnalysis {
  units: UnitAnalysis[];
  /** What is missing for sure: these block. */
  gaps: Gap[];
}

function toStep(file: UnitFile, r: ParseResult): ParsedStep {
  return r.ok ? { file, statements: r.statements, findings: [] } : { file, statements: r.parsedBefore, syntaxError: r.error, findings: r.findings };
}

/** Parses every unit's up and down steps with the real PostgreSQL parser (no database needed), small files in batches. */
export async function parseUnits(units: readonly Unit[]): Promise<ParsedUnit[]> {
  const files: UnitFile[] = [];
  for (const u of units) {
    files.push(u.up);
    if (u.down) files.push(u.down);
  }
  const results = await parseAll(files.map((f) => ({ file: f.path, text: f.text })));
  const out: ParsedUnit[] = [];
  let i = 0;
  for (const unit of units) {
    const up = toStep(unit.up, results[i++]);
    out.push({ unit, up, down: unit.down && toStep(unit.down, results[i++]) });
  }
  return out;
}

/**
 * Every object a statement needs, under each name it may resolve to (the search path as the
 * unit sets it, pg_catalog, the database's own path), and every relation it locks.
 */
export function neededObjects(parsed: readonly ParsedUnit[]): ObjectRef[] {
  const seen = new Map<string, ObjectRef>();
  const add = (kind: ObjectRef['kind'], name: string) => {
    const key = `${kind}:${name}`;
    if (!seen.has(key)) seen.set(key, { kind, name });
  };
  for (const p of parsed) {
    for (const step of [p.up, p.down]) {
      let searchPath = ['public'];
      // A file names the same types and functions over and over (text, now(), …): each ref is
      // expanded to its candidates once per search path, not once per mention.
      let expanded = new Set<string>();
      for (const st of step?.statements ?? []) {
        for (const ref of statementDeps(st, { searchPath }).needs) {
          const key = `${ref.implicitSchema ? 1 : 0}${ref.kind}:${ref.name}`;
          if (expanded.has(key)) continue;
          expanded.add(key);
          for (const c of candidates(ref, searchPath)) add(c.kind, c.name);
        }
        for (const l of lockFootprint(st)) add('relation', l.table);
        const next = searchPathAfter(st, searchPath);
        if (next !== searchPath) expanded = new Set();
        searchPath = next;
      }
    }
  }
  return [...seen.values()];
}

type StepLocks = Pick<StepAnalysis, 'locks' | 'superuser'>;

/** Locks on existing tables and superuser needs of one step; what it creates goes into `created`. */
function stepLocks(step: ParsedStep, facts: CatalogFacts, created: Set<string>): StepLocks {
  const locks: StepAnalysis['locks'] = [];
  const superuser: StepAnalysis['superuser'] = [];
  // Each lock on each table once, at its first line: a data load of 500,000 INSERTs takes one lock.
  const seen = new Set<string>();
  for (const st of step.statements) {
    for (const l of lockFootprint(st)) {
      const t = facts.table(l.table);
      const key = `${l.table}\0${l.lock}`;
      if (t && !created.has(l.table) && !seen.has(key)) {
        seen.add(key);
        locks.push({ ...l, line: st.line, rows: t.rows, bytes: t.bytes });
      }
    }
    const why = superuserNeed(st.node);
    if (why) superuser.push({ line: st.line, reason: why });
    for (const c of statementDeps(st).creates) if (c.kind === 'relation') created.add(c.name);
  }
  return { locks, superuser };
}

function stepAnalysis(step: ParsedStep, tx: { transactional: boolean; reason?: StepAnalysis['outside'] }, l: StepLocks): StepAnalysis {
  return { file: step.file.path, statements: step.statements, syntaxError: step.syntaxError, transactional: tx.transactional, outside: tx.reason, locks: l.locks, superuser: l.superuser };
}

/**
 * Gaps, lint findings, transaction needs and lock footprints of a sequence of pending units,
 * in order, for up and down steps. What a unit declares in expect.json counts as provided from
 * its start. A missing object the analysis cannot be sure of (an earlier statement it cannot see
 * into may create it) is a warning naming that statement, not a gap.
 */
export function analyzeSequence(parsed: readonly ParsedUnit[], facts: CatalogFacts): SequenceAnalysis {
  const rawGaps = findGaps(parsed.map((p) => ({ unit: p.unit.name, file: p.unit.up.path, statements: p.up.statements })), facts.exists);
  const declaredUpTo = new Map<string, Set<string>>();
  const acc = new Set<string>();
  for (const p of parsed) {
    for (const k of declaredObjects(p.unit.expect)) acc.add(k);
    declaredUpTo.set(p.unit.name, new Set(acc));
  }
  const missing = rawGaps.filter((g) => !declaredUpTo.get(g.unit)?.has(`${g.kind}:${g.name}`));
  const unsure = missing.filter((g) => g.uncertain);
  const crossUnit = valuesUsedInLaterUnits(parsed.map((p) => ({ unit: p.unit.name, file: p.unit.up.path, statements: p.up.statements })), new Names());

  // Partitioned tables: those in the database, and those earlier units (or this one's up step) create.
  const partitionedHere = new Set<string>();
  const partitioned = (name: string) => partitionedHere.has(name) || !!facts.table(name)?.partitioned;
  const names = new Names();
  const units: UnitAnalysis[] = parsed.map((p) => {
    const created = new Set<string>();
    const upLocks = stepLocks(p.up, facts, created);
    const newlyPartitioned: string[] = [];
    for (const st of p.up.statements) {
      const t = createsPartitioned(st.node, (rv) => names.relation(rv)?.name);
      if (t && !partitionedHere.has(t)) newlyPartitioned.push(t);
    }
    // The up step's transaction answer knows the partitioned tables of earlier units only, its
    // lint those of this step too: when the step creates none, the lint's walk gives both.
    const upTx = newlyPartitioned.length ? stepTransaction(p.up.file.text, p.up.statements, { partitioned }) : undefined;
    for (const t of newlyPartitioned) partitionedHere.add(t);
    const downLocks = p.down && stepLocks(p.down, facts, new Set(created));
    const tableRows = (name: string) => (created.has(name) ? undefined : facts.table(name)?.rows);
    const upLint = lintStep(p.unit.up.path, p.up.statements, { direction: 'up', tableRows, partitioned });
    const up = stepAnalysis(p.up, upTx ?? transactionOf(p.up.file.text, upLint.outside), upLocks);
    const downLint = p.down && lintStep(p.down.file.path, p.down.statements, { direction: 'down', tableRows, partitioned });
    const down = p.down && downLocks && downLint && stepAnalysis(p.down, transactionOf(p.down.file.text, downLint.outside), downLocks);
    const findings: Finding[] = [
      ...p.up.findings,
      ...upLint.findings,
      ...(p.down && downLint ? [...p.down.findings, ...downLint.findings] : []),
      ...(p.unit.down ? [] : [{ rule: 'no-down', severity: 'warning' as const, file: p.unit.up.path, line: 1, message: `${p.unit.name} has no down step: it can be applied but not rolled back` }]),
      ...blankSteps(p.unit),
      ...unsure.filter((g) => g.unit === p.unit.name).map((g): Finding => ({
        rule: 'unverified-prerequisite', severity: 'warning', file: g.file, line: g.line,
        message: `${g.kind} ${g.name} is neither in the database nor created by a statement the analysis can follow; ${g.uncertain!.reason} (${g.uncertain!.file}:${g.uncertain!.line}) may provide it. Not checked: make sure it does.`,
      })),
      ...crossUnit.filter((v) => v.used.unit === p.unit.name).map((v): Finding => ({
        rule: 'new-enum-value', severity: 'warning', file: v.used.file, line: v.used.line,
        message: `uses '${v.label}', which ${v.added.unit} adds to ${v.type} (${v.added.file}:${v.added.line}): fine when each unit commits, but --dry-run and --single-transaction would run both in one transaction, where the new value cannot be used [55P04], so they are refused.`,
      })),
    ].sort((a, b) => (a.file === b.file ? a.line - b.line : a.file === p.unit.up.path ? -1 : 1));
    return { unit: p.unit, ...up, findings, down };
  });
  return { units, gaps: missing.filter((g) => !g.uncertain) };
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
