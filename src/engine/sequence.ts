import type { Session } from '../db/session';
import { asMigrateError, MigrateError } from '../errors';
import { awaitNoBlockers, namedLockFailure, type PreflightCheck } from './blocking';
import { NO_RETRY, type LockRetry } from './execute/retry';
import type { Logger } from '../log';
import { execute } from './execute';
import { History } from './history';
import type { Interrupt } from './interrupt';
import type { LockWaitMonitor } from './lock-waits';
import type { ProgressSink } from './progress';
import type { RunLock } from './lock';
import { checkPlan, planSequence, type PlannedUnit, type PlanOptions } from './run-plan';
import type { UnitResult } from './runner';
import type { Unit } from './units';

export { type PlannedUnit } from './run-plan';

export interface SequenceOptions extends PlanOptions {
  session: Session;
  log: Logger;
  runId: string;
  /** Every unit of the sequence, in order. */
  units: Unit[];
  /** Asked once the plan is known and the prechecks passed, before the first change. */
  confirm?: (plan: PlannedUnit[]) => Promise<boolean>;
  /** Expected duration of a unit, e.g. from a rehearsal record (for windowEnd). */
  estimateMs?: (unit: Unit) => number | undefined;
  /** Measures each unit's lock waits (from the lock connection). */
  lockWaits?: LockWaitMonitor;
  /** The run lock: every unit's COMMIT proves it still holds it. */
  runLock?: RunLock;
  /** A new session after the work connection was lost, to read what committed. */
  reopen?: () => Promise<Session>;
  /** Runs after the last unit, in the same transaction context (so a dry run sees the changes). */
  afterAll?: (session: Session, covered: Unit[]) => Promise<void>;
  /** Ctrl-C / SIGTERM: once it fires no unit starts, and the running one is cancelled (by lockWaits). */
  interrupt?: Interrupt;
  /** Told as each unit starts and ends. */
  progress?: ProgressSink;
  /** How units give way to live traffic (and how long the run waits for a blocker before its first change). */
  lockRetry?: LockRetry;
}

export interface SequenceResult {
  ok: boolean;
  dryRun: boolean;
  runId: string;
  units: UnitResult[];
  plan: PlannedUnit[];
  /** The named checks before the first change. */
  preflight: PreflightCheck[];
  error?: MigrateError;
}

/**
 * A sequence of units: the plan from the history (planSequence, pure), then the checks
 * before any change (checkPlan), the question, and the executor for the plan's mode.
 */
export async function runSequence(o: SequenceOptions): Promise<SequenceResult> {
  const draft = planSequence(o.units, await History.latest(o.session), o);
  const plan = await checkPlan(o.session, draft);
  if (plan.toRun.length > 0 && o.confirm && !(await o.confirm(plan.steps))) {
    throw new MigrateError('declined at the prompt; nothing was changed', 3);
  }
  const policy = o.lockRetry ?? NO_RETRY;
  const blocking = { policy, exclude: [o.session.connection.backend.pid, ...(o.runLock ? [o.runLock.pid] : [])], log: o.log, interrupt: o.interrupt };
  // Just before the first change: a session in the way of the footprint is waited for, within the retry bound.
  const preflight = plan.toRun.length > 0 ? [...plan.preflight, await awaitNoBlockers(o.session, plan.tables, blocking)] : [];
  const footprint = (u: Unit) => plan.footprints.get(u.name) ?? [];
  const { results, error } = await execute(plan, {
    session: o.session, runId: o.runId, log: o.log, recordFailures: plan.mode === 'one-by-one' || plan.mode === 'pipelined',
    guard: o.runLock?.guard, reopen: o.reopen, interrupt: o.interrupt, progress: o.progress,
    // A lost lock or an interrupt: either way no unit may start.
    lockLost: () => o.runLock?.lost() ?? o.interrupt?.error(),
    lockWaits: o.lockWaits, windowEnd: o.windowEnd, estimateMs: o.estimateMs, afterAll: o.afterAll,
    footprint, lockRetry: policy, nameBlockers: (u, err, attempts) => namedLockFailure(o.session, footprint(u), asMigrateError(err), attempts, blocking),
  });
  const resultOf = new Map(results.map((r) => [r.name, r]));
  const units = plan.steps
    .map((p): UnitResult | undefined => (p.action === 'skip' ? { name: p.name, kind: p.kind, action: 'skipped', durationMs: 0, reason: p.reason } : resultOf.get(p.name)))
    .filter((r): r is UnitResult => !!r);
  return { ok: !error, dryRun: !!o.dryRun, runId: o.runId, units, plan: plan.steps, preflight, error };
}
