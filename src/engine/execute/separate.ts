import { asMigrateError } from '../../errors';
import type { RunItem, RunPlan } from '../run-plan';
import { isOneTrip, sendUnit, type SentUnit, type UnitResult } from '../runner';
import { prepareFootprints } from '../unit-state';
import { afterLoss, fromHistory, recordLost } from './after-loss';
import { attempt, inOrder, notRun, stoppedAt, type ExecContext, type Outcome } from './context';

/** How many units' footprints one batched parse prepares (analysis/parse-batch parses 64 files a call). */
const PREPARE_AHEAD = 32;

/**
 * Each unit in its own transaction, one after another, on the work session. Failure rules:
 * a unit that fails was rolled back and has its `failed` row; the run stops there and the
 * units after it are not run. A lost connection: the history, read on a new session, says
 * whether the unit in flight committed.
 */
export function oneByOne(plan: RunPlan, ctx: ExecContext): Promise<Outcome> {
  return separately(plan, ctx, false);
}

/**
 * As oneByOne, but consecutive one-trip units are pipelined: the next one is sent while this
 * one runs, and starts on the server only if this one committed (its migrate.require_applied),
 * so the server does exactly what it would one by one, without a round trip between units.
 * Failure rules: a unit sent ahead of a failed one aborted before its own statements and is
 * not run; after a lost connection both units in flight are read back from the history.
 */
export function pipelined(plan: RunPlan, ctx: ExecContext): Promise<Outcome> {
  return separately(plan, ctx, true);
}

async function separately(plan: RunPlan, ctx: ExecContext, sendAhead: boolean): Promise<Outcome> {
  const { toRun } = plan;
  const results: UnitResult[] = [];
  let ahead: SentUnit | undefined;
  // Units below this index have their rollback footprints prepared (a batch at a time).
  let preparedTo = 0;
  const prepareThrough = async (index: number) => {
    if (index < preparedTo) return;
    preparedTo = Math.min(toRun.length, index + PREPARE_AHEAD);
    await prepareFootprints(toRun.slice(index, preparedTo).map((i) => i.unit));
  };
  try {
    await inOrder(toRun, results, async (item, index) => {
      let sent = ahead?.name === item.unit.name ? ahead : undefined;
      ahead = undefined;
      const next = toRun[index + 1];
      if (sendAhead && next && isOneTrip(item.unit) && isOneTrip(next.unit) && !ctx.lockLost?.()) {
        if (!sent) await prepareThrough(index);
        sent ??= sendUnit(ctx, item.unit, item.precheck);
        // The next units' rollback footprints are parsed, a batch at a time, while this one runs on the server.
        await prepareThrough(index + 1);
        ahead = sendUnit(ctx, next.unit, next.precheck, item.unit.name);
      }
      const result = await attempt(ctx, item, sent);
      // The unit sent after it required its first attempt's COMMIT, which did not happen: it aborted unrun.
      if (ahead && (result.attempts ?? 1) > 1) {
        await ahead.done.catch(() => undefined);
        ahead = undefined;
      }
      return result;
    }, ctx.progress);
    if (ctx.afterAll) await ctx.afterAll(ctx.session, plan.covered);
    return { results };
  } catch (err) {
    // A unit sent ahead is settled before anything else uses the connection. After a
    // failure its guard aborted it; it changed nothing and is reported as not run.
    await ahead?.done.catch(() => undefined);
    const current = toRun[results.length];
    if (ctx.session.connection.lost) return lostDuring(ctx, toRun, results, err, ahead?.name);
    if (!current) return { results, error: asMigrateError(err) };
    return { results: [...results, stoppedAt(current, err), ...notRun(toRun.slice(results.length + 1), current.unit.name)], error: asMigrateError(err) };
  }
}

/** Books a run whose connection was lost while `results.length` units were done. */
async function lostDuring(ctx: ExecContext, toRun: RunItem[], results: UnitResult[], err: unknown, aheadName?: string): Promise<Outcome> {
  const current = toRun[results.length];
  const known = await afterLoss(ctx, current ? current.unit.name : 'the checks after the last unit');
  if (!current) return { results, error: known.error([]) };
  const failed = stoppedAt(current, err);
  const inFlight = [fromHistory(current, known, () => ({ ...failed, error: `${failed.error}; it did not commit (the history, read on a new connection, has no row of it)` }))];
  await recordLost(ctx, known, current, inFlight[0]);
  const rest = toRun.slice(results.length + 1);
  if (rest[0] && rest[0].unit.name === aheadName) {
    const next = rest.shift()!;
    inFlight.push(fromHistory(next, known, () => notRun([next], current.unit.name, 'the connection was lost')[0]));
  }
  const last = inFlight[inFlight.length - 1].name;
  return { results: [...results, ...inFlight, ...notRun(rest, last, 'the connection was lost')], error: known.error(inFlight) };
}
