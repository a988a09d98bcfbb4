import type { Session } from '../../db/session';
import { asMigrateError, BlockedError, MigrateError } from '../../errors';
import type { LockWaitMonitor } from '../lock-waits';
import { reported, type ProgressSink } from '../progress';
import type { RunItem } from '../run-plan';
import { AttemptFailed, applyUnit, failedAttemptMs, failedAttempts, type RetriedAttempt, type RunContext, type SentUnit, type UnitResult } from '../runner';
import { lockedTableOf } from '../../db/table-locks';
import { backoffMs, lockConflictCode, NO_RETRY, sleep, type LockRetry } from './retry';
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
  /** How a unit that cannot get its locks gives way and tries again (execute/retry.ts). */
  lockRetry?: LockRetry;
  /** When retries run out: who holds the unit's locks (db/blockers.ts), to name in the error. */
  nameBlockers?: (unit: Unit, err: unknown, attempts: number) => Promise<MigrateError | undefined>;
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
 * A unit tried the same way by every executor: refused before it starts when the window has
 * closed or the run lock is gone, its lock waits measured. An attempt in its own transaction
 * that could not get its locks (lock timeout) or lost a deadlock was rolled back whole: it
 * waits (ctx.lockRetry's backoff) and tries again, booking no `failed` row for an attempt
 * that is retried; the final row (applied or failed) lists the retried ones. Inside an
 * enclosing transaction (single transaction, dry run) the executor retries the whole of it.
 */
export async function attempt(ctx: ExecContext, item: RunItem, sent?: SentUnit): Promise<UnitResult> {
  const policy = ctx.session.inTransaction ? NO_RETRY : ctx.lockRetry ?? NO_RETRY;
  const retried: RetriedAttempt[] = [];
  let waitedMs = 0;
  let first: string | undefined;
  for (let n = 1; ; n++) {
    // A unit already sent is on its way: its own lock check decides, and applyUnit hears it.
    const lost = sent && n === 1 ? undefined : ctx.lockLost?.();
    if (lost) throw new NotStarted(lost);
    if (ctx.windowEnd) checkWindow(item.unit, ctx.windowEnd, ctx.estimateMs?.(item.unit));
    // A lock wait of the next unit seen in the moment between this COMMIT and its answer counts here.
    ctx.lockWaits?.begin(item.unit.name);
    const retry = (err: unknown) => n <= policy.retries && !!lockConflictCode(err) && !ctx.session.connection.lost;
    let result: UnitResult | undefined;
    try {
      result = await applyUnit({ ...ctx, footprint: inOrderFor(ctx, item.unit, first), willRetry: retry, retried }, item.unit, item.precheck, n === 1 ? sent : undefined);
    } catch (err) {
      const waited = (await ctx.lockWaits?.end()) ?? 0;
      waitedMs += waited;
      if (!retry(err)) {
        const final = (await named(ctx, item.unit, err, n)) ?? err;
        if (final instanceof AttemptFailed) final.attempts = n;
        throw final;
      }
      retried.push({ error: asMigrateError(err).message, code: lockConflictCode(err)!, durationMs: failedAttemptMs(err), lockWaitMs: waited });
      first = lockedTableOf(err) ?? first;
      const pause = backoffMs(policy, n);
      ctx.log.warn({ runId: ctx.runId, unit: item.unit.name, attempt: n, code: lockConflictCode(err), retryInMs: pause },
        `${item.unit.name}: attempt ${n} gave way to live traffic (${lockConflictCode(err) === '40P01' ? 'deadlock' : 'lock timeout'}), rolled back; trying again in ${pause} ms (${policy.retries - n + 1} left)`);
      ctx.progress?.({ type: 'unit-retry', unit: item.unit.name, attempt: n, reason: lockConflictCode(err) === '40P01' ? 'deadlock' : 'lock timeout', retryInMs: pause });
      await sleep(pause, ctx.interrupt);
      continue;
    }
    const waited = await ctx.lockWaits?.end();
    if (waited !== undefined) result.lockWaitMs = waitedMs + waited;
    result.attempts = n;
    return result;
  }
}

/**
 * The unit's footprint with `first` taken first: the table an attempt could not lock while
 * holding others is where the contention is, so the next attempt waits for it holding nothing
 * (applications that take their tables in another order than by name then never hold it
 * while waiting for what the runner holds).
 */
function inOrderFor(ctx: ExecContext, unit: Unit, first: string | undefined): ExecContext['footprint'] {
  if (!first || !ctx.footprint) return ctx.footprint;
  const base = ctx.footprint;
  return (u) => {
    const locks = base(u);
    return u === unit ? [...locks.filter((l) => l.table === first), ...locks.filter((l) => l.table !== first)] : locks;
  };
}

/** A lock failure that ends the unit, named with who holds its locks (the cause chain keeps the server's error). */
async function named(ctx: ExecContext, unit: Unit, err: unknown, attempts: number): Promise<unknown> {
  if (!lockConflictCode(err) || !ctx.nameBlockers || ctx.session.connection.lost || ctx.session.inTransaction) return undefined;
  const better = await ctx.nameBlockers(unit, err, attempts).catch(() => undefined);
  if (!better) return undefined;
  return new AttemptFailed(better, failedAttemptMs(err));
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
  return { name: u.name, kind: u.kind, action: 'failed', durationMs: failedAttemptMs(err), attempts: failedAttempts(err), error: asMigrateError(err).message };
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
