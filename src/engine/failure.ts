import { serverErrorMessage, serverErrorPosition } from '../db/session';
import { ExitCode, LockLostError, MigrateError, UnitFailedError, type InterruptedError } from '../errors';
import type { Interrupt } from './interrupt';
import type { Unit, UnitFile } from './units';

const LOCK_NOT_AVAILABLE = '55P03';
const QUERY_CANCELED = '57014';
const DEADLOCK = '40P01';
/** Raised by migrate.hold_run_lock (history-guard.sql). */
const RUN_LOCK_LOST = 'MGLCK';

/** A unit's transaction refused to commit because the run no longer holds the migration lock. */
export function lockLostIn(err: unknown): LockLostError | undefined {
  if ((err as { code?: string })?.code !== RUN_LOCK_LOST) return undefined;
  return new LockLostError(`${(err as Error).message}; the run stops here`,
    'units that committed before stay applied; another runner may hold the lock now: see `migrate status`, then run again', { cause: err });
}

/** Turns whatever a unit's SQL threw into a UnitFailedError naming unit, file, line and the server's words. */
export function toUnitFailed(unit: Unit, direction: 'up' | 'down' | 'verify', file: UnitFile, err: unknown, hint?: string): MigrateError {
  if (err instanceof MigrateError) return err;
  const lost = lockLostIn(err);
  if (lost) return lost;
  const code = (err as { code?: string }).code;
  // A lock it could not have in time, or a deadlock it lost: what --lock-retries gives way to.
  const lockConflict = code === LOCK_NOT_AVAILABLE || code === DEADLOCK;
  return new UnitFailedError(unit.name, direction, serverErrorPosition(err, file.text, file.path), serverErrorMessage(err), {
    cause: err,
    exitCode: lockConflict ? ExitCode.locked : ExitCode.unitFailed,
    hint: lockConflict ? 'a lock could not be had within --lock-timeout in any of its attempts (--lock-retries): another session holds it; retry in a quieter moment, or raise --lock-retries / --lock-backoff' : hint,
  });
}

/**
 * A unit whose statement was cancelled after an interrupt failed because of it, not because
 * of its SQL: its error (and `failed` row) says so, and its file is not replayed to find a line.
 */
export function interruptedIn(interrupt: Interrupt | undefined, unit: string, err: unknown): InterruptedError | undefined {
  if (!interrupt?.reason) return undefined;
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === QUERY_CANCELED) return interrupt.unitError(unit);
  }
  return undefined;
}
