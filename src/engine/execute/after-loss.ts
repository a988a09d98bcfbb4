import type { Session } from '../../db/session';
import { asMigrateError, ConnectionLostError, ExitCode, type MigrateError } from '../../errors';
import { History } from '../history';
import type { RunItem } from '../run-plan';
import type { UnitResult } from '../runner';
import type { ExecContext } from './context';

/*
 * After the work connection was lost, the history decides: read on a new session, once the
 * server has ended the lost one, it says which units of this run committed. These helpers
 * book the units in flight from it; each executor decides what the others are.
 */

/** What the history, read on a new session after the loss, says this run committed (undefined: the server could not be reached). */
export interface AfterLoss {
  committed?: Map<string, { event: string; durationMs: number | null }>;
  session?: Session;
  /** The run's error, given what the history says of the units in flight (their results). */
  error(inFlight: UnitResult[]): MigrateError;
}

const HINT = 'a unit is applied exactly when its history row is there (it is written in the unit\'s own transaction): run again to continue';

/**
 * After the work connection was lost, during `during`: reads on a new session (once the
 * server has ended the lost one, so nothing of it can still commit) which units this run
 * committed. Without a way to reopen, or a server that cannot be reached again, nothing is known.
 */
export async function afterLoss(ctx: ExecContext, during: string): Promise<AfterLoss> {
  const lost = ctx.session.connection.lost!;
  const head = `${lost.message}, during ${during}${ctx.lockLost?.() ? ' (the run lock was lost with it)' : ''}`;
  const unknown = (why: string): AfterLoss => ({ error: () => new ConnectionLostError(`${head}; what it committed is not known: ${why}`, `see \`migrate status\` once the server answers: ${HINT}`, { cause: lost, exitCode: ExitCode.unitFailed }) });
  if (!ctx.reopen) return unknown('no second connection to read the history on');
  try {
    const session = await ctx.reopen();
    const committed = await History.committedInRun(session, ctx.runId);
    ctx.log.info({ runId: ctx.runId, committed: [...committed.keys()] }, 'after the lost connection, the history on a new connection says what committed');
    const error = (inFlight: UnitResult[]) => {
      const said = inFlight.map((r) => `${r.name} ${committed.has(r.name) ? 'committed (its acknowledgement was lost)' : 'did not commit'}`).join(', ');
      return new ConnectionLostError(`${head}; the history, read on a new connection, shows ${said || 'nothing of it committed'}`, HINT, { cause: lost, exitCode: ExitCode.unitFailed });
    };
    return { session, committed, error };
  } catch (err) {
    return unknown(asMigrateError(err).message);
  }
}

const ACTION_OF: Record<string, UnitResult['action']> = { applied: 'applied', adopted: 'adopted', rolled_back: 'rolled-back' };

/** A unit's result from the history after a loss: applied (its acknowledgement was lost), or what `otherwise` says. */
export function fromHistory(item: RunItem, known: AfterLoss, otherwise: () => UnitResult): UnitResult {
  const u = item.unit;
  if (!known.committed) return { name: u.name, kind: u.kind, action: 'unknown', durationMs: 0, reason: 'the connection was lost before its outcome was heard, and the history could not be read' };
  const row = known.committed.get(u.name);
  if (!row) return otherwise();
  return {
    name: u.name, kind: u.kind, action: ACTION_OF[row.event] ?? 'applied', durationMs: row.durationMs ?? 0,
    reason: 'committed: its COMMIT acknowledgement was lost with the connection; its history row, read on a new connection, shows it',
  };
}

/** Records the failed attempt of a unit lost with its connection, on the new session. */
export async function recordLost(ctx: ExecContext, known: AfterLoss, item: RunItem, result: UnitResult, detail: Record<string, unknown> = {}): Promise<void> {
  if (!known.session || result.action !== 'failed') return;
  const u = item.unit;
  await History.record(known.session, { runId: ctx.runId, unit: u.name, kind: u.kind, event: 'failed', checksum: u.checksum, durationMs: result.durationMs, detail: { direction: 'up', error: result.error, ...detail } })
    .catch((e) => ctx.log.warn({ unit: result.name }, `could not record the failure in the history: ${(e as Error).message}`));
}
