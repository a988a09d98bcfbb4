import type { Session } from '../../db/session';
import { asMigrateError, BlockedError, MigrateError } from '../../errors';
import type { LockWaitMonitor } from '../lock-waits';
import { reported, type ProgressSink } from '../progress';
import type { RunItem } from '../run-plan';
import { applyUnit, failedAttemptMs, type RunContext, type SentUnit, type UnitResult } from '../runner';
import { Umzug } from '../umzug';
import type { Unit } from '../units';

/** What an executor needs beyond the unit runner's context. */
export interface ExecContext extends RunContext {
  lockWaits?: LockWaitMonitor;
  /** Refuse to start a unit that cannot finish before this time (its estimate from estimateMs). */
  windowEnd?: Date;
  estimateMs?: (unit: Unit) => number | undefined;
  /** Runs after the last unit, in the same transaction context (so a dry run sees the changes). */
  afterAll?: (session: Session, covered: Unit[]) => Promise<void>;
  /** Set once the run lock is gone: no unit may start. */
  lockLost?: () => MigrateError | undefined;
  /** A new session after the work connection was lost (Connected.reopen). */
  reopen?: () => Promise<Session>;
  /** Told as each unit starts and ends. */
  progress?: ProgressSink;
}

export interface Outcome {
  /** One result per unit of plan.toRun, in order. */
  results: UnitResult[];
  error?: MigrateError;
}

/** A unit refused before it started (the window closing, the lock gone): not run, not failed. */
export class NotStarted extends Error {
  constructor(readonly error: MigrateError) {
    super(error.message, { cause: error });
  }
}

/**
 * One attempt at one unit, made the same way by every executor: refused before it starts
 * when the window has closed or the run lock is gone, its lock waits measured. The place
 * where a retry policy (lock timeouts, deadlocks) would wrap applyUnit.
 */
export async function attempt(ctx: ExecContext, item: RunItem, sent?: SentUnit): Promise<UnitResult> {
  // A unit already sent is on its way: its own lock check decides, and applyUnit hears it.
  const lost = sent ? undefined : ctx.lockLost?.();
  if (lost) throw new NotStarted(lost);
  if (ctx.windowEnd) checkWindow(item.unit, ctx.windowEnd, ctx.estimateMs?.(item.unit));
  // A lock wait of the next unit seen in the moment between this COMMIT and its answer counts here.
  ctx.lockWaits?.begin(item.unit.name);
  let result: UnitResult | undefined;
  try {
    result = await applyUnit(ctx, item.unit, item.precheck, sent);
  } finally {
    const waited = await ctx.lockWaits?.end();
    if (result && waited !== undefined) result.lockWaitMs = waited;
  }
  return result;
}

/** Runs `step` for each item in order through umzug (ordering, events), collecting results; `progress` hears each start and end. */
export async function inOrder(items: RunItem[], results: UnitResult[], step: (item: RunItem, index: number) => Promise<UnitResult>, progress?: ProgressSink): Promise<void> {
  progress?.({ type: 'units', names: items.map((i) => i.unit.name) });
  const told = (item: RunItem, index: number) =>
    reported(progress, { unit: item.unit.name, index: index + 1, total: items.length }, () => step(item, index), (err) => stoppedAt(item, err));
  const umzug = new Umzug<object>({
    migrations: items.map((item, index) => ({ name: item.unit.name, up: async () => void results.push(await told(item, index)) })),
    // The "applied" row is written by the unit in its own transaction (umzug #708): nothing to store here.
    storage: { executed: async () => [], logMigration: async () => undefined, unlogMigration: async () => undefined },
    logger: undefined,
  });
  await umzug.up({ migrations: items.map((i) => i.unit.name) });
}

function notStarted(err: unknown): boolean {
  for (let e = err as { cause?: unknown } | undefined; e; e = e.cause as { cause?: unknown } | undefined) if (e instanceof NotStarted) return true;
  return false;
}

/** The result of the unit a run stopped at, from what it threw. */
export function stoppedAt(item: RunItem, err: unknown): UnitResult {
  const u = item.unit;
  if (notStarted(err)) {
    return { name: u.name, kind: u.kind, action: 'not-run', durationMs: 0, reason: asMigrateError(err).message };
  }
  return { name: u.name, kind: u.kind, action: 'failed', durationMs: failedAttemptMs(err), error: asMigrateError(err).message };
}

export function notRun(items: RunItem[], stoppedAtName: string | undefined, how = 'the run stopped'): UnitResult[] {
  return items.map(({ unit: u }) => ({ name: u.name, kind: u.kind, action: 'not-run', durationMs: 0, reason: `not run: ${how} at ${stoppedAtName ?? 'an earlier unit'}` }));
}

/** A unit may start only when its expected duration still fits before the window closes. */
function checkWindow(unit: Unit, windowEnd: Date, estimateMs: number | undefined): void {
  const left = windowEnd.getTime() - Date.now();
  const need = estimateMs ?? 0;
  if (left <= need) {
    const est = estimateMs === undefined ? '' : ` (rehearsed at ${(need / 1000).toFixed(1)} s)`;
    throw new NotStarted(new BlockedError(`window: not starting ${unit.name}${est}: ${left <= 0 ? 'the window has closed' : `only ${(left / 1000).toFixed(1)} s left`} before ${windowEnd.toISOString()}`,
      'earlier units stay applied; run `migrate remediate` again in the next window to finish'));
  }
}
