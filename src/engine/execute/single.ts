import { RollbackSignal } from '../../db/session';
import { asMigrateError, ConnectionLostError, ExitCode } from '../../errors';
import { History } from '../history';
import type { RunItem, RunPlan } from '../run-plan';
import { lockTablesStep } from '../../db/table-locks';
import { toUnitFailed } from '../failure';
import { guardCommit, type UnitResult } from '../runner';
import { backoffMs, lockConflictCode, NO_RETRY, sleep } from './retry';
import { afterLoss, fromHistory, recordLost } from './after-loss';
import { attempt, inOrder, notRun, stoppedAt, type ExecContext, type Outcome } from './context';

/**
 * Every unit in one transaction on the work session, each a savepoint, with one COMMIT at the
 * end, made only while the run still holds the lock. Failure rules: any failure rolls all of
 * it back; the units that had run are reported rolled back, and the failed one's `failed` row
 * is written after the rollback. A lost connection: the history says whether the COMMIT happened.
 */
export function singleTransaction(plan: RunPlan, ctx: ExecContext): Promise<Outcome> {
  return together(plan, ctx, false);
}

/**
 * As singleTransaction, but the transaction is always rolled back: what would have happened.
 * Failure rules: nothing is recorded, since nothing stays.
 */
export function dryRun(plan: RunPlan, ctx: ExecContext): Promise<Outcome> {
  return together(plan, ctx, true);
}

async function together(plan: RunPlan, ctx: ExecContext, rollBack: boolean): Promise<Outcome> {
  const policy = ctx.lockRetry ?? NO_RETRY;
  for (let n = 1; ; n++) {
    const outcome = await once(plan, ctx, rollBack, (err) => n <= policy.retries && !!lockConflictCode(err) && !ctx.session.connection.lost);
    if (outcome !== RETRY) return outcome;
    const pause = backoffMs(policy, n);
    ctx.log.warn({ runId: ctx.runId, attempt: n, retryInMs: pause }, `the single transaction gave way to live traffic (attempt ${n}), rolled back whole; trying it again in ${pause} ms`);
    await sleep(pause);
  }
}

const RETRY = Symbol('retry');

/**
 * One try of the whole transaction. It first takes the footprint of every unit (those tables
 * that exist), in one order, so it never holds a unit's locks while waiting for a later
 * one's; a lock timeout or deadlock rolls all of it back, and `retry` says whether to try
 * the whole transaction again (nothing is booked for a try that is retried).
 */
async function once(plan: RunPlan, ctx: ExecContext, rollBack: boolean, retry: (err: unknown) => boolean): Promise<Outcome | typeof RETRY> {
  const { toRun } = plan;
  const results: UnitResult[] = [];
  const locks = lockTablesStep(plan.tables);
  try {
    await ctx.session.transaction(async (tx) => {
      if (locks && toRun[0]) await tx.script(locks.script!, locks.file!).catch((err) => {
        throw toUnitFailed(toRun[0].unit, 'up', { path: locks.file!, text: locks.script! }, err);
      });
      const inner: ExecContext = { ...ctx, session: tx, recordFailures: false };
      await inOrder(toRun, results, (item) => attempt(inner, item), ctx.progress);
      if (ctx.afterAll) await ctx.afterAll(tx, plan.covered);
      if (rollBack) throw new RollbackSignal();
      await guardCommit(ctx, tx);
    });
    return { results };
  } catch (err) {
    const current = toRun[results.length];
    if (ctx.session.connection.lost) return rollBack ? lostDryRun(ctx, toRun, results, err) : lostDuring(ctx, toRun, results, err);
    if (retry(err)) return RETRY;
    const error = asMigrateError(err);
    if (!current) return { results: rollBack ? results : rolledBack(results), error };
    const failed = stoppedAt(current, err);
    if (!rollBack && failed.action === 'failed') {
      await History.record(ctx.session, { runId: ctx.runId, unit: current.unit.name, kind: current.unit.kind, event: 'failed', checksum: current.unit.checksum, durationMs: failed.durationMs, detail: { direction: 'up', error: error.message, singleTransaction: true } }).catch(() => undefined);
    }
    return { results: [...(rollBack ? results : rolledBack(results)), failed, ...notRun(toRun.slice(results.length + 1), current.unit.name)], error };
  }
}

function rolledBack(results: UnitResult[]): UnitResult[] {
  return results.map((r) => (r.action === 'applied' || r.action === 'adopted' ? { ...r, action: 'rolled-back', reason: 'the single transaction was rolled back' } : r));
}

/** The one transaction's COMMIT either happened or not: the history says which, for all units at once. */
async function lostDuring(ctx: ExecContext, toRun: RunItem[], results: UnitResult[], err: unknown): Promise<Outcome> {
  const current = toRun[results.length];
  const known = await afterLoss(ctx, current ? current.unit.name : 'the COMMIT of the single transaction');
  const committed = !!known.committed && toRun.some((item) => known.committed!.has(item.unit.name));
  if (!known.committed || committed) {
    const all = toRun.map((item) => fromHistory(item, known, () => notRun([item], undefined)[0]));
    return { results: all, error: known.error(all) };
  }
  const out = rolledBack(results);
  if (!current) return { results: out, error: known.error(out) };
  const failed = stoppedAt(current, err);
  out.push({ ...failed, error: `${failed.error}; the single transaction did not commit` });
  await recordLost(ctx, known, current, out[out.length - 1], { singleTransaction: true });
  return { results: [...out, ...notRun(toRun.slice(results.length + 1), current.unit.name, 'the connection was lost')], error: known.error(out) };
}

/** A dry run commits nothing, so a lost connection needs no reading back. */
function lostDryRun(ctx: ExecContext, toRun: RunItem[], results: UnitResult[], err: unknown): Outcome {
  const current = toRun[results.length];
  const lost = ctx.session.connection.lost!;
  const error = new ConnectionLostError(`${lost.message}; the dry run changed nothing`, 'run it again', { cause: lost, exitCode: ExitCode.unitFailed });
  if (!current) return { results, error };
  return { results: [...results, stoppedAt(current, err), ...notRun(toRun.slice(results.length + 1), current.unit.name, 'the connection was lost')], error };
}
