import { FOOTPRINT_MAX_CHARS, mergeFootprints, stepFootprint } from '../analysis/lock-footprint';
import { parseEach } from '../analysis/parse-batch';
import { PlanNeeds } from '../analysis/privileges';
import type { LockRequest } from '../analysis/types';
import type { PreflightCheck } from './blocking';
import { namedChecksOf, refuseFailedChecks } from './preflight-checks';
import type { Session } from '../db/session';
import { BlockedError, UsageError } from '../errors';
import { failed, type CheckResult } from '../verify/checks';
import { preflight } from './preflight';
import { drifted, isApplied, type UnitRecord } from './history';
import { precheckUnit } from './unit-checks';
import { resolveUnit, type Unit } from './units';
import { notePlannedUpStep } from './unit-state';

/**
 * How the units run, decided once per run (see engine/execute/): each in its own transaction,
 * one after another; the same with one-trip units sent ahead; all in one transaction; or all
 * in one transaction that is rolled back.
 */
export type RunMode = 'one-by-one' | 'pipelined' | 'single-transaction' | 'dry-run';

export interface PlannedUnit {
  name: string;
  kind: Unit['kind'];
  title: string;
  action: 'apply' | 'skip';
  reason?: string;
  precheck: CheckResult[];
}

/** A unit to apply, as it will run (marked to run outside a transaction where it must), with what its precheck saw. */
export interface RunItem {
  unit: Unit;
  precheck: CheckResult[];
}

export interface RunPlan {
  mode: RunMode;
  /** Every unit in scope, in order, with what happens to it: what the confirmation shows. */
  steps: PlannedUnit[];
  /** The units to apply, in order. */
  toRun: RunItem[];
  /** The units in scope that are not skipped (what a post-verification looks at). */
  covered: Unit[];
  /** Per unit to run, the table locks its transaction takes up front (sorted by table). */
  footprints: Map<string, LockRequest[]>;
  /** All of them: the tables the run will lock, each with the strongest mode any unit takes. */
  tables: LockRequest[];
  /** The named checks before the first change that passed (a failing one refuses the run). */
  preflight: PreflightCheck[];
}

export interface PlanOptions {
  /** Stop after this unit (a name, number or phase). */
  to?: string;
  /** Units not to run (they must be skippable, or nothing pending may depend on them). */
  skip?: string[];
  singleTransaction?: boolean;
  dryRun?: boolean;
  /** The history has migrate.require_applied, so one-trip units may be sent ahead. */
  sendAhead?: boolean;
  /** Each unit is checked against the window just before it starts, so none is sent ahead. */
  windowEnd?: Date;
}

/** What planSequence decides from the history alone, before anything is parsed or checked. */
export interface DraftPlan {
  mode: RunMode;
  scope: Unit[];
  /** Units in scope that will not run, and why. */
  skipped: Map<string, string>;
  pending: Unit[];
  /** The units in scope that are not skipped by --skip. */
  covered: Unit[];
}

/** Pure: the run's scope, what is skipped and why, and how the units will run. */
export function planSequence(units: Unit[], states: Map<string, UnitRecord>, o: PlanOptions): DraftPlan {
  const changed = drifted(units, states);
  if (changed.length > 0) {
    throw new BlockedError(`drift: ${changed.map((u) => u.name).join(', ')} changed since applied`,
      'restore the applied file content (see `migrate status`), or write a new unit for the change; after a reviewed edit that changes nothing in the database, `migrate repair UNIT` records it', changed.map((u) => `${u.name}: ${u.up.path}`));
  }
  const scope = o.to ? units.slice(0, units.indexOf(resolveUnit(units, o.to)) + 1) : units;
  const skip = new Set((o.skip ?? []).map((s) => resolveUnit(units, s).name));
  const pending = scope.filter((u) => !isApplied(states.get(u.name)));
  for (const name of skip) {
    const dependant = pending.find((u) => !skip.has(u.name) && u.dependsOn.some((d) => resolveUnit(units, d).name === name));
    const unit = units.find((u) => u.name === name)!;
    if (dependant && !isApplied(states.get(name))) {
      throw new UsageError(`cannot skip ${name}: ${dependant.name} depends on it`, unit.skippable ? undefined : `${name} is not marked skippable`);
    }
  }
  const skipped = new Map<string, string>();
  for (const u of scope) {
    if (isApplied(states.get(u.name))) skipped.set(u.name, `already ${states.get(u.name)!.event}`);
    else if (skip.has(u.name)) skipped.set(u.name, 'skipped by --skip');
  }
  const mode: RunMode = o.dryRun ? 'dry-run' : o.singleTransaction ? 'single-transaction' : o.sendAhead && !o.windowEnd ? 'pipelined' : 'one-by-one';
  return { mode, scope, skipped, pending: pending.filter((u) => !skip.has(u.name)), covered: scope.filter((u) => !skip.has(u.name)) };
}

/**
 * Before anything runs: every pending unit parses, those that cannot run in a transaction are
 * marked so, and every precheck passes; otherwise the run is blocked and nothing changes.
 */
export async function checkPlan(session: Session, draft: DraftPlan): Promise<RunPlan> {
  // The up steps' parse is CPU work here, the syntax check and the prechecks are the server's:
  // the parse goes on between their round trips instead of after them. Its results count only
  // once the syntax check has passed (a file it cannot parse is left out, as before).
  const stop = new AbortController();
  const parsed = parseUpSteps(draft.pending, stop.signal);
  parsed.catch(() => undefined);
  try {
    return await checkedPlan(session, draft, parsed);
  } finally {
    stop.abort();
  }
}

async function checkedPlan(session: Session, draft: DraftPlan, parsed: Promise<UpStepFacts>): Promise<RunPlan> {
  const prepared = await preflight(draft.pending, { session, dryRun: draft.mode === 'dry-run', singleTransaction: draft.mode === 'single-transaction' });
  const steps: PlannedUnit[] = [];
  const toRun: RunItem[] = [];
  for (const original of draft.scope) {
    const u = prepared.get(original.name) ?? original;
    const reason = draft.skipped.get(u.name);
    if (reason) {
      steps.push({ name: u.name, kind: u.kind, title: u.title, action: 'skip', reason, precheck: [] });
      continue;
    }
    const precheck = await precheckUnit(session, u);
    steps.push({ name: u.name, kind: u.kind, title: u.title, action: 'apply', precheck });
    toRun.push({ unit: u, precheck });
  }
  const blocked = steps.flatMap((p) => failed(p.precheck).map((c) => `${p.name}: ${c.check}: ${c.detail}`));
  if (blocked.length > 0) {
    throw new BlockedError(`prechecks failed for ${new Set(blocked.map((b) => b.split(':')[0])).size} unit(s); nothing was changed`, 'fix the environment as listed, then run again', blocked);
  }
  const { needs, locks } = await parsed;
  const footprints = new Map<string, LockRequest[]>();
  for (const { unit } of toRun) {
    const l = locks.get(unit.name);
    if (l && unit.transactional) footprints.set(unit.name, l);
  }
  const checks = toRun.length ? await namedChecksOf(session, needs) : [];
  refuseFailedChecks(checks);
  return { mode: draft.mode, steps, toRun, covered: draft.covered, footprints, tables: mergeFootprints([...footprints.values()]), preflight: checks };
}

/** What the plan keeps of the up steps' parse: what they need, and each one's table locks. */
interface UpStepFacts {
  needs: PlanNeeds;
  locks: Map<string, LockRequest[]>;
}

/**
 * Each up step is parsed once and the trees let go a batch at a time (1,000 trees held at once
 * were most of a run's memory): its lock footprint is kept, and what it needs is told to `needs`.
 * A data load above the limit is left out; the rest is parsed in batches (one parser call for many small steps).
 */
async function parseUpSteps(pending: readonly Unit[], signal: AbortSignal): Promise<UpStepFacts> {
  const needs = new PlanNeeds();
  const locks = new Map<string, LockRequest[]>();
  const measured = pending.filter((u) => u.up.text.length <= FOOTPRINT_MAX_CHARS);
  await parseEach(measured.map((u) => ({ file: u.up.path, text: u.up.text })), (r, i) => {
    if (!r.ok) return;
    const unit = measured[i];
    needs.add(r.statements);
    notePlannedUpStep(unit, r.statements);
    locks.set(unit.name, stepFootprint(r.statements).filter((l) => !l.table.startsWith('pg_temp.')));
  }, { yieldToIo: true, signal });
  return { needs, locks };
}
