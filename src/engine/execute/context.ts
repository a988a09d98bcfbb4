import type { Session } from '../../db/session';
import { asMigrateError, BlockedError, ConnectionLostError, ExitCode, MigrateError } from '../../errors';
import { History } from '../history';
import type { LockWaitMonitor } from '../lock-waits';
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
  const lost = ctx.lockLost?.();
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

/** Runs `step` for each item in order through umzug (ordering, events), collecting results. */
export async function inOrder(items: RunItem[], results: UnitResult[], step: (item: RunItem, index: number) => Promise<UnitResult>): Promise<void> {
  const umzug = new Umzug<object>({
    migrations: items.map((item, index) => ({ name: item.unit.name, up: async () => void results.push(await step(item, index)) })),
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
