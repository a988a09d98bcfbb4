import { RollbackSignal, type PipelineStep, type Session } from '../db/session';
import { InterruptedError, MigrateError, UnitFailedError } from '../errors';
import { lockTablesStep, type TableLock } from '../db/table-locks';
import type { Logger } from '../log';
import { failed, summarize, type CheckResult } from '../verify/checks';
import { checkAbsent } from '../verify/expectations';
import { interruptedIn, lockLostIn, toUnitFailed } from './failure';
import type { Interrupt } from './interrupt';
import { locateFailure } from './locate';
import { runOutsideTransaction, runsInTransaction } from './non-transactional';
import { History } from './history';
import { captureSteps, createdRelations, prepareFootprints, proveRestored, type RollbackProof } from './unit-state';
import { hasVerify, verifyUnit } from './unit-checks';
import type { Unit } from './units';

/**
 * skipped: already applied or --skip; not-run: left out because the run stopped before it, or
 * refused by the window; unknown: its connection was lost before its outcome was heard, and
 * the server could not be reached again to read the history.
 */
export type UnitAction = 'applied' | 'skipped' | 'adopted' | 'rolled-back' | 'failed' | 'not-run' | 'unknown';

export interface UnitResult {
  name: string;
  kind: Unit['kind'];
  action: UnitAction;
  /**
   * The figure stored in the unit's history row (see docs/UNITS.md, "Durations"): the
   * server's time from the unit's BEGIN to its row, just before COMMIT; for a failed
   * attempt, the runner's time from the unit's start until its failure was known.
   */
  durationMs: number;
  reason?: string;
  checks?: CheckResult[];
  error?: string;
  /** Time the unit spent waiting for table locks held by other sessions, over all its attempts. */
  lockWaitMs?: number;
  /** How many times the unit was tried: more than 1 when it gave way to live traffic and was retried. */
  attempts?: number;
  /** Rollback only: the schema equals the pre-apply schema (within the unit's footprint; the whole catalog for a unit applied by an older runner). */
  schemaEqualsBefore?: boolean;
}

export interface RunContext {
  session: Session;
  runId: string;
  log: Logger;
  /** False inside a single transaction or a dry run: the failure row would be rolled back too. */
  recordFailures: boolean;
  /** With the run lock: the last statement before every COMMIT (RunLock.guard). */
  guard?: PipelineStep;
  /** Ctrl-C / SIGTERM: a unit whose statement it cancelled fails as interrupted, not as its SQL. */
  interrupt?: Interrupt;
  /** The tables a unit's transaction locks up front, in order (RunPlan.footprints). */
  footprint?: (unit: Unit) => readonly TableLock[];
  /** This attempt's failure will be retried: it books no `failed` row (see execute/context.ts attempt). */
  willRetry?: (err: unknown) => boolean;
  /** The earlier attempts of this unit that gave way: stored in the detail of its final row. */
  retried?: readonly RetriedAttempt[];
}

/** An attempt that could not get its locks (or lost a deadlock), was rolled back and retried. */
export interface RetriedAttempt {
  error: string;
  code: string;
  durationMs: number;
  lockWaitMs?: number;
}

/**
 * A unit with nothing to check around it (no verify, transactional): its whole transaction,
 * rollback proof and history row included, is one round trip, so it can be sent ahead.
 */
export function isOneTrip(unit: Unit): boolean {
  return !hasVerify(unit) && unit.transactional;
}

/**
 * What a unit threw, with how long the attempt ran until the failure was known (the same
 * figure as its "failed" row). asMigrateError finds the error itself through the cause.
 */
export class AttemptFailed extends Error {
  /** How many times the unit was tried, when it was retried (execute/context.ts attempt). */
  attempts?: number;

  constructor(readonly error: unknown, readonly durationMs: number) {
    super((error as Error)?.message ?? String(error), { cause: error });
  }
}

function attemptFailedIn(err: unknown): AttemptFailed | undefined {
  for (let e = err as { cause?: unknown } | undefined; e; e = e.cause as { cause?: unknown } | undefined) {
    if (e instanceof AttemptFailed) return e;
  }
  return undefined;
}

/** The duration of a failed attempt, from what a run caught (umzug wraps what a unit threw). */
export function failedAttemptMs(err: unknown): number {
  return attemptFailedIn(err)?.durationMs ?? 0;
}

/** How many attempts a unit that failed had, when that is known. */
export function failedAttempts(err: unknown): number | undefined {
  return attemptFailedIn(err)?.attempts;
}

/**
 * The run-lock check, as the last step before a COMMIT of the unit's own. Inside an enclosing
 * transaction (a savepoint) there is no COMMIT of its own: the enclosing one is checked.
 */
function guardSteps(ctx: RunContext): PipelineStep[] {
  return ctx.guard && !ctx.session.inTransaction ? [ctx.guard] : [];
}

/** Runs the run-lock check in `tx`, a transaction opened on ctx.session, just before its COMMIT. */
export async function guardCommit(ctx: RunContext, tx: Session): Promise<void> {
  for (const g of guardSteps(ctx)) await tx.query(g.query!, g.params);
}

/**
 * The unit's lock footprint, taken first in its own transaction (db/table-locks.ts); inside an
 * enclosing transaction the executor took the whole run's footprint up front instead.
 */
function lockSteps(ctx: RunContext, unit: Unit): PipelineStep[] {
  const step = !ctx.session.inTransaction && unit.transactional ? lockTablesStep(ctx.footprint?.(unit) ?? []) : undefined;
  return step ? [step] : [];
}

/** What the final row of a unit that was retried says of its earlier attempts. */
function retriedDetail(ctx: RunContext): { retried?: readonly RetriedAttempt[] } {
  return ctx.retried?.length ? { retried: ctx.retried } : {};
}

/** Inside an enclosing transaction a unit is a savepoint and marks its own start (History.unitStartStep). */
function startSteps(ctx: RunContext): PipelineStep[] {
  return ctx.session.inTransaction ? [History.unitStartStep()] : [];
}

async function markStart(ctx: RunContext, tx: Session): Promise<void> {
  if (ctx.session.inTransaction) await tx.query(History.unitStartStep().query);
}

/** A one-trip unit whose transaction is already on its way to the server. */
export interface SentUnit {
  name: string;
  done: Promise<unknown[]>;
}

/**
 * Queues a one-trip unit's whole transaction on the work connection. With `after`, the
 * transaction first requires that unit's "applied" row of this run, so a unit sent before
 * its predecessor's COMMIT was confirmed aborts, changing nothing, if that COMMIT did not
 * happen. Units are sent ahead only outside a transaction (see sequence.ts); inside one,
 * atomic() makes the unit a savepoint.
 */
export function sendUnit(ctx: RunContext, unit: Unit, precheck: CheckResult[], after?: string): SentUnit {
  const steps: PipelineStep[] = [
    ...startSteps(ctx),
    ...(after ? [History.requireAppliedStep(ctx.runId, after)] : []),
    ...lockSteps(ctx, unit),
    ...captureSteps(ctx.runId, unit),
    { script: unit.up.text, file: unit.up.path },
    // The row and the run-lock guard: one statement, the last before COMMIT.
    History.recordStep({ runId: ctx.runId, unit: unit.name, kind: unit.kind, event: 'applied', checksum: unit.checksum, precheck, detail: ctx.retried?.length ? retriedDetail(ctx) : undefined }, guardSteps(ctx)[0]),
  ];
  const done = ctx.session.atomic(steps);
  // Awaited by applyUnit; a unit whose predecessor failed is never awaited, and its abort is expected.
  done.catch(() => undefined);
  return { name: unit.name, done };
}

/**
 * Applies one unit in its own transaction (a savepoint inside a single-transaction run):
 * up step, verify hook, then the "applied" row, all or nothing. A unit with no history
 * whose verify already passes is adopted instead of re-run. A one-trip unit may already
 * have been sent (sendUnit); then this waits for it.
 */
export async function applyUnit(ctx: RunContext, unit: Unit, precheck: CheckResult[] = [], sent?: SentUnit): Promise<UnitResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    if (!sent) await prepareFootprints([unit]);
    if (hasVerify(unit)) {
      const adopted = await ctx.session.transaction(async (tx) => {
        await markStart(ctx, tx);
        // A verify that errors (its objects do not exist yet) simply means "not adoptable".
        const checks = await verifyUnit(tx, unit).catch(() => {
          throw new RollbackSignal(undefined);
        });
        if (checks.length === 0 || failed(checks).length > 0) return undefined;
        const durationMs = await History.record(tx, { runId: ctx.runId, unit: unit.name, kind: unit.kind, event: 'adopted', checksum: unit.checksum, precheck, detail: { checks } });
        await guardCommit(ctx, tx);
        return { checks, durationMs: durationMs ?? elapsed() };
      });
      if (adopted) {
        ctx.log.info({ runId: ctx.runId, unit: unit.name, durationMs: adopted.durationMs }, 'adopted: its objects already exist and its verify passes');
        return { name: unit.name, kind: unit.kind, action: 'adopted', durationMs: adopted.durationMs, checks: adopted.checks, reason: 'objects already present and verified' };
      }
    }
    ctx.log.info({ runId: ctx.runId, unit: unit.name }, 'applying');
    if (isOneTrip(unit)) {
      let results: unknown[];
      try {
        results = await (sent ?? sendUnit(ctx, unit, precheck)).done;
      } catch (err) {
        throw toUnitFailed(unit, 'up', unit.up, err);
      }
      const durationMs = History.recordedMs(results.at(-1)) ?? elapsed();
      ctx.log.info({ runId: ctx.runId, unit: unit.name, durationMs }, 'applied');
      return { name: unit.name, kind: unit.kind, action: 'applied', durationMs, checks: [] };
    }
    const run = async (s: Session) => {
      await markStart(ctx, s);
      for (const step of lockSteps(ctx, unit)) await s.script(step.script!, step.file!).catch((err) => {
        throw toUnitFailed(unit, 'up', { path: step.file!, text: step.script! }, err);
      });
      for (const step of captureSteps(ctx.runId, unit)) await s.query(step.query, step.params);
      if (!unit.transactional) {
        // No transaction to refuse its COMMIT: the lock is checked before each statement instead.
        for (const note of await runOutsideTransaction(s, unit, 'up', () => guardCommit(ctx, s))) ctx.log.warn({ unit: unit.name }, note);
      } else {
        try {
          await s.script(unit.up.text, unit.up.path);
        } catch (err) {
          throw toUnitFailed(unit, 'up', unit.up, err);
        }
      }
      const checks = await verifyUnit(s, unit);
      if (failed(checks).length > 0) {
        throw new UnitFailedError(unit.name, 'verify', { file: unit.verify?.path ?? unit.up.path }, `verify failed: ${summarize(checks)}`);
      }
      const detail = ctx.retried?.length ? retriedDetail(ctx) : undefined;
      // Outside a transaction there is no server-side start to measure from: the runner's clock.
      const common = { runId: ctx.runId, unit: unit.name, kind: unit.kind, checksum: unit.checksum, durationMs: unit.transactional ? undefined : elapsed() };
      const book = async (tx: Session) => {
        const durationMs = (await History.record(tx, { ...common, event: 'applied', precheck, detail })) ?? elapsed();
        if (checks.length > 0) await History.record(tx, { ...common, durationMs, event: 'verified', detail: { checks } });
        await guardCommit(ctx, tx);
        return durationMs;
      };
      return { checks, durationMs: unit.transactional ? await book(s) : await s.transaction(book) };
    };
    // A unit that cannot run in a transaction is applied statement by statement by the server.
    const { checks, durationMs } = unit.transactional ? await ctx.session.transaction(run) : await run(ctx.session);
    ctx.log.info({ runId: ctx.runId, unit: unit.name, durationMs }, 'applied and verified');
    return { name: unit.name, kind: unit.kind, action: 'applied', durationMs, checks };
  } catch (err) {
    // The attempt ends when its failure is known; finding the failing line comes after.
    const durationMs = elapsed();
    const lost = lostSession(ctx);
    if (lost) throw new AttemptFailed(lost, durationMs);
    const cause = interruptedIn(ctx.interrupt, unit.name, err) ?? lockLostIn(err) ?? err;
    const located = cause instanceof UnitFailedError && cause.direction === 'up' && unit.transactional ? await locateFailure(ctx.session, cause, unit.up) : cause;
    await recordFailure(ctx, unit, located, durationMs);
    throw new AttemptFailed(located, durationMs);
  }
}

/** The session's loss, when that is what ended an attempt: nothing more can be done on it. */
function lostSession(ctx: RunContext): MigrateError | undefined {
  return ctx.session.connection.lost;
}

/** Counts rows in the tables a unit created, for the data-loss guard of a rollback. */
export async function rowsAtRisk(s: Session, unit: Unit, proof: RollbackProof | null): Promise<Array<{ table: string; rows: number }>> {
  const tables = new Set<string>([...Object.keys(unit.expect?.tables ?? {}), ...createdRelations(proof)]);
  if (tables.size === 0) return [];
  // query_to_xml runs the dynamic count server-side with %I quoting; no SQL is built here.
  const rows = await s.query<{ tbl: string; n: string }>(
    `select t.tbl, (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from only %I.%I', split_part(t.tbl, '.', 1), split_part(t.tbl, '.', 2)), false, true, '')))[1]::text as n
       from unnest(array(select json_array_elements_text($1::text::json))) t(tbl)
      where to_regclass(t.tbl) is not null
        and (select relkind from pg_class where oid = to_regclass(t.tbl)) in ('r', 'p')
        and not (select relispartition from pg_class where oid = to_regclass(t.tbl))`,
    [JSON.stringify([...tables].sort())],
  );
  const partitioned = await s.query<{ tbl: string; n: string }>(
    `select t.tbl, (select sum((xpath('/row/n/text()', query_to_xml(format('select count(*) as n from only %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint)
                      from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = c.relnamespace
                     where i.inhparent = to_regclass(t.tbl))::text as n
       from unnest(array(select json_array_elements_text($1::text::json))) t(tbl)
      where to_regclass(t.tbl) is not null and (select relkind from pg_class where oid = to_regclass(t.tbl)) = 'p'`,
    [JSON.stringify([...tables].sort())],
  );
  const counts = new Map<string, number>();
  for (const r of [...rows, ...partitioned]) counts.set(r.tbl, (counts.get(r.tbl) ?? 0) + Number(r.n ?? 0));
  return [...counts].filter(([, n]) => n > 0).map(([table, rows]) => ({ table, rows }));
}

/**
 * Rolls one unit back in a transaction: down step, its declared objects gone, and every
 * object it touched back to its pre-apply definition; otherwise the rollback itself is undone.
 */
export async function rollbackUnit(ctx: RunContext, unit: Unit, proof: RollbackProof | null): Promise<UnitResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const down = unit.down;
  if (!down) throw new UnitFailedError(unit.name, 'down', { file: unit.up.path }, 'this unit has no down step');
  // A down step that cannot run in a transaction runs as an up step would: statement by statement.
  const inTransaction = await runsInTransaction(down, ctx.session);
  try {
    const steps = async (tx: Session) => {
      await markStart(ctx, tx);
      try {
        if (inTransaction) await tx.script(down.text, down.path);
        else for (const note of await runOutsideTransaction(tx, unit, 'down')) ctx.log.warn({ unit: unit.name }, note);
      } catch (err) {
        throw toUnitFailed(unit, 'down', down, err);
      }
      const checks: CheckResult[] = unit.expect ? await checkAbsent(tx, unit.expect) : [];
      let schemaEqualsBefore: boolean | undefined;
      if (proof) {
        const restored = await proveRestored(tx, proof);
        checks.push(restored.check);
        schemaEqualsBefore = restored.schemaEqualsBefore;
      }
      if (failed(checks).length > 0) {
        throw new UnitFailedError(unit.name, 'down', { file: down.path }, `rollback did not restore the schema: ${summarize(checks)}`, inTransaction ? undefined : {
          hint: 'the down step ran outside a transaction, so it could not be undone: the database is as the down step left it, and the unit is still recorded as applied',
        });
      }
      const durationMs = await History.record(tx, { runId: ctx.runId, unit: unit.name, kind: unit.kind, event: 'rolled_back', checksum: unit.checksum, durationMs: inTransaction ? undefined : elapsed(), detail: { checks, schemaEqualsBefore, transactional: inTransaction } });
      await guardCommit(ctx, tx);
      return { checks, schemaEqualsBefore, durationMs: durationMs ?? elapsed() };
    };
    const result = inTransaction ? await ctx.session.transaction(steps) : await steps(ctx.session);
    ctx.log.info({ runId: ctx.runId, unit: unit.name, durationMs: result.durationMs }, 'rolled back');
    return { name: unit.name, kind: unit.kind, action: 'rolled-back', ...result };
  } catch (err) {
    const durationMs = elapsed();
    const lost = lostSession(ctx);
    if (lost) throw new AttemptFailed(lost, durationMs);
    const cause = interruptedIn(ctx.interrupt, unit.name, err) ?? lockLostIn(err) ?? err;
    await recordFailure(ctx, unit, cause, durationMs, 'down');
    throw new AttemptFailed(cause, durationMs);
  }
}

async function recordFailure(ctx: RunContext, unit: Unit, err: unknown, durationMs: number, direction: 'up' | 'down' = 'up'): Promise<void> {
  if (ctx.willRetry?.(err)) {
    ctx.log.warn({ runId: ctx.runId, unit: unit.name, durationMs }, (err as Error).message);
    return;
  }
  ctx.log.error({ runId: ctx.runId, unit: unit.name, durationMs }, (err as Error).message);
  if (!ctx.recordFailures || ctx.session.inTransaction) return;
  const message = err instanceof MigrateError ? err.message : String((err as Error).message ?? err);
  const interrupted = err instanceof InterruptedError ? { interrupted: ctx.interrupt?.reason } : {};
  await History.record(ctx.session, { runId: ctx.runId, unit: unit.name, kind: unit.kind, event: 'failed', checksum: unit.checksum, durationMs, detail: { direction, error: message, ...interrupted, ...retriedDetail(ctx) } })
    .catch((e) => ctx.log.warn({ unit: unit.name }, `could not record the failure in the history: ${(e as Error).message}`));
}

export type { RollbackProof };
