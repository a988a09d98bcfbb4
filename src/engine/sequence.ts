import { Umzug, type UmzugStorage } from './umzug';
import type { Session } from '../db/session';
import { asMigrateError, BlockedError, MigrateError, UsageError } from '../errors';
import type { Logger } from '../log';
import { failed, type CheckResult } from '../verify/checks';
import { History, isApplied, type UnitRecord } from './history';
import { applyUnit, failedAttemptMs, isOneTrip, sendUnit, type RunContext, type SentUnit, type UnitResult } from './runner';
import { precheckUnit } from './unit-checks';
import type { LockWaitMonitor } from './lock-waits';
import { preflight } from './preflight';
import { resolveUnit, type Unit } from './units';

export interface SequenceOptions {
  session: Session;
  log: Logger;
  runId: string;
  /** Every unit of the sequence, in order. */
  units: Unit[];
  /** Stop after this unit (a name, number or phase). */
  to?: string;
  /** Units not to run (they must be skippable, or nothing pending may depend on them). */
  skip?: string[];
  /** All-or-nothing: one transaction around every unit. */
  singleTransaction?: boolean;
  /** Execute everything, then roll it all back. */
  dryRun?: boolean;
  /** Asked once the plan is known and the prechecks passed, before the first change. */
  confirm?: (plan: PlannedUnit[]) => Promise<boolean>;
  /** Refuse to start a unit that cannot finish before this time (its estimate from estimateMs). */
  windowEnd?: Date;
  /** Expected duration of a unit, e.g. from a rehearsal record. */
  estimateMs?: (unit: Unit) => number | undefined;
  /** Measures each unit's lock waits (from the lock connection). */
  lockWaits?: LockWaitMonitor;
  /** The history has migrate.require_applied, so one-trip units may be sent ahead (see execute). */
  sendAhead?: boolean;
  /** Runs after the last unit, in the same transaction context (so a dry run sees the changes). */
  afterAll?: (session: Session, scope: Unit[]) => Promise<void>;
}

export interface PlannedUnit {
  name: string;
  kind: Unit['kind'];
  title: string;
  action: 'apply' | 'skip';
  reason?: string;
  precheck: CheckResult[];
}

export interface SequenceResult {
  ok: boolean;
  dryRun: boolean;
  runId: string;
  units: UnitResult[];
  plan: PlannedUnit[];
  error?: MigrateError;
}

/** Units whose file changed since they were applied: `up` and `remediate` refuse while any exist. */
export function drifted(units: readonly Unit[], states: Map<string, UnitRecord>): Unit[] {
  return units.filter((u) => {
    const r = states.get(u.name);
    return isApplied(r) && r!.checksum !== null && r!.checksum !== u.checksum;
  });
}

/**
 * Plans and runs a sequence of units through umzug (ordering, pending, events) with the
 * history table as its storage. Prechecks of every pending unit run before the first change.
 */
export async function runSequence(o: SequenceOptions): Promise<SequenceResult> {
  const states = await History.latest(o.session);
  const changed = drifted(o.units, states);
  if (changed.length > 0) {
    throw new BlockedError(`drift: ${changed.map((u) => u.name).join(', ')} changed since applied`,
      'restore the applied file content (see `migrate status`), or write a new unit for the change', changed.map((u) => `${u.name}: ${u.up.path}`));
  }
  const scope = o.to ? o.units.slice(0, o.units.indexOf(resolveUnit(o.units, o.to)) + 1) : o.units;
  const skip = new Set((o.skip ?? []).map((s) => resolveUnit(o.units, s).name));
  const pending = scope.filter((u) => !isApplied(states.get(u.name)));
  for (const name of skip) {
    const dependant = pending.find((u) => !skip.has(u.name) && u.dependsOn.some((d) => resolveUnit(o.units, d).name === name));
    const unit = o.units.find((u) => u.name === name)!;
    if (dependant && !isApplied(states.get(name))) {
      throw new UsageError(`cannot skip ${name}: ${dependant.name} depends on it`, unit.skippable ? undefined : `${name} is not marked skippable`);
    }
  }

  const prepared = await preflight(pending.filter((u) => !skip.has(u.name)), o);
  const plan: PlannedUnit[] = [];
  for (const original of scope) {
    const u = prepared.get(original.name) ?? original;
    if (isApplied(states.get(u.name))) plan.push({ name: u.name, kind: u.kind, title: u.title, action: 'skip', reason: `already ${states.get(u.name)!.event}`, precheck: [] });
    else if (skip.has(u.name)) plan.push({ name: u.name, kind: u.kind, title: u.title, action: 'skip', reason: 'skipped by --skip', precheck: [] });
    else plan.push({ name: u.name, kind: u.kind, title: u.title, action: 'apply', precheck: await precheckUnit(o.session, u) });
  }
  const blocked = plan.flatMap((p) => failed(p.precheck).map((c) => `${p.name}: ${c.check}: ${c.detail}`));
  if (blocked.length > 0) {
    throw new BlockedError(`prechecks failed for ${new Set(blocked.map((b) => b.split(':')[0])).size} unit(s); nothing was changed`, 'fix the environment as listed, then run again', blocked);
  }
  const toRun = plan.filter((p) => p.action === 'apply');
  const skippedResults: UnitResult[] = plan.filter((p) => p.action === 'skip').map((p) => ({ name: p.name, kind: p.kind, action: 'skipped', durationMs: 0, reason: p.reason }));
  if (toRun.length > 0 && o.confirm && !(await o.confirm(plan))) {
    throw new MigrateError('declined at the prompt; nothing was changed', 3);
  }

  const results: UnitResult[] = [];
  const execute = async (session: Session) => {
    const ctx: RunContext = { session, runId: o.runId, log: o.log, recordFailures: !o.singleTransaction && !o.dryRun };
    const byName = new Map(scope.map((u) => [u.name, prepared.get(u.name) ?? u]));
    // Consecutive one-trip units are pipelined: the next one is sent while this one runs, and
    // starts on the server only if this one committed (sendUnit's guard), so the server does
    // exactly what it would one by one, without waiting a round trip between units. Not with
    // a window to respect (each unit is checked just before it starts) or inside a transaction.
    const pipelined = !!o.sendAhead && !session.inTransaction && !o.windowEnd;
    let ahead: SentUnit | undefined;
    const umzug = new Umzug<object>({
      migrations: toRun.map((p, index) => ({
        name: p.name,
        up: async () => {
          const unit = byName.get(p.name)!;
          if (o.windowEnd) checkWindow(unit, o.windowEnd, o.estimateMs?.(unit));
          let sent = ahead?.name === unit.name ? ahead : undefined;
          ahead = undefined;
          const next = toRun[index + 1];
          const nextUnit = next && byName.get(next.name);
          if (pipelined && isOneTrip(unit) && nextUnit && isOneTrip(nextUnit)) {
            sent ??= sendUnit(ctx, unit, p.precheck);
            ahead = sendUnit(ctx, nextUnit, next.precheck, unit.name);
          }
          // A lock wait of the next unit seen in the moment between this COMMIT and its answer counts here.
          o.lockWaits?.begin(unit.name);
          let result: UnitResult | undefined;
          try {
            result = await applyUnit(ctx, unit, p.precheck, sent);
          } finally {
            const waited = await o.lockWaits?.end();
            if (result && waited !== undefined) result.lockWaitMs = waited;
          }
          results.push(result);
        },
      })),
      storage: historyStorage(states),
      logger: undefined,
    });
    try {
      await umzug.up({ migrations: toRun.map((p) => p.name) });
    } finally {
      // A unit sent ahead is settled before anything else uses the connection. After a
      // failure its guard aborted it; it changed nothing and is reported as not run.
      await ahead?.done.catch(() => undefined);
    }
    if (o.afterAll) await o.afterAll(session, scope.filter((u) => !skip.has(u.name)));
  };

  let error: MigrateError | undefined;
  try {
    await o.session.within(o, execute);
  } catch (err) {
    error = asMigrateError(err);
    const failedUnit = results.length < toRun.length ? toRun[results.length] : undefined;
    const durationMs = failedAttemptMs(err);
    // A unit refused before it started (the window closing) did not fail; it was not run.
    const notStarted = error instanceof BlockedError;
    if (failedUnit) results.push({ name: failedUnit.name, kind: failedUnit.kind, ...(notStarted ? { action: 'not-run', durationMs: 0, reason: error.message } : { action: 'failed', durationMs, error: error.message }) });
    for (const p of toRun.slice(results.length)) results.push({ name: p.name, kind: p.kind, action: 'not-run', durationMs: 0, reason: `not run: the run stopped at ${failedUnit?.name ?? 'an earlier unit'}` });
    if (o.singleTransaction && !o.dryRun) {
      for (const r of results) if (r.action === 'applied' || r.action === 'adopted') Object.assign(r, { action: 'rolled-back', reason: 'the single transaction was rolled back' });
      if (failedUnit && !notStarted) {
        const unit = scope.find((u) => u.name === failedUnit.name)!;
        await History.record(o.session, { runId: o.runId, unit: unit.name, kind: unit.kind, event: 'failed', checksum: unit.checksum, durationMs, detail: { direction: 'up', error: error.message, singleTransaction: true } }).catch(() => undefined);
      }
    }
  }
  const resultOf = new Map([...skippedResults, ...results].map((r) => [r.name, r]));
  const ordered = plan.map((p) => resultOf.get(p.name)).filter((r): r is UnitResult => !!r);
  return { ok: !error, dryRun: !!o.dryRun, runId: o.runId, units: ordered, plan, error };
}

/** umzug's storage view of the history; writes happen inside each unit's own transaction. */
function historyStorage(states: Map<string, UnitRecord>): UmzugStorage<object> {
  return {
    executed: async () => [...states.values()].filter(isApplied).map((r) => r.unit),
    // The "applied" row is written by the unit in its own transaction (umzug #708): nothing to do here.
    logMigration: async () => undefined,
    unlogMigration: async () => undefined,
  };
}

/** A unit may start only when its expected duration still fits before the window closes. */
function checkWindow(unit: Unit, windowEnd: Date, estimateMs: number | undefined): void {
  const left = windowEnd.getTime() - Date.now();
  const need = estimateMs ?? 0;
  if (left <= need) {
    const est = estimateMs === undefined ? '' : ` (rehearsed at ${(need / 1000).toFixed(1)} s)`;
    throw new BlockedError(`window: not starting ${unit.name}${est}: ${left <= 0 ? 'the window has closed' : `only ${(left / 1000).toFixed(1)} s left`} before ${windowEnd.toISOString()}`,
      'earlier units stay applied; run `migrate remediate` again in the next window to finish');
  }
}
