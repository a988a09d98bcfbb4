/**
 * Typed errors. Each carries the exit code of CLI.md and an optional hint, so the one
 * wrapper in cli.ts can print a single clear line without knowing where it came from.
 */
export const ExitCode = {
  ok: 0,
  unitFailed: 1,
  usage: 2,
  blocked: 3,
  notApproved: 4,
  locked: 5,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class MigrateError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags, unknown units, unreadable files, bad connection settings. Nothing was written. */
export class UsageError extends MigrateError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, hint, options);
  }
}

/** The server could not be reached or refused us. Nothing was written. */
export class ConnectionError extends MigrateError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, hint, options);
  }
}

/** The embedded PostgreSQL (rehearse, tests) could not be started. Nothing was written. */
export class EmbeddedServerError extends MigrateError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, hint, options);
  }
}

/** Checks before any change said no (prechecks, gaps, syntax, drift, data loss). */
export class BlockedError extends MigrateError {
  constructor(message: string, hint?: string, readonly details: string[] = [], options?: { cause?: unknown }) {
    super(message, ExitCode.blocked, hint, options);
  }
}

/** Another runner holds the lock, or a lock could not be had in time. */
export class LockError extends MigrateError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.locked, hint, options);
  }
}

/**
 * The run's hold on the migration lock ended (its session was terminated or its connection
 * lost): nothing more commits; what committed before stays recorded.
 */
export class LockLostError extends LockError {}

/**
 * A connection to the server was lost, or went silent past --connection-timeout. The session
 * is never reopened: what it was doing is read back from the history on a new connection.
 * Exit 2 like any connection problem, unless the run had started its units (then 1: it stopped).
 */
export class ConnectionLostError extends MigrateError {
  constructor(message: string, hint?: string, options?: { cause?: unknown; exitCode?: ExitCodeValue }) {
    super(message, options?.exitCode ?? ExitCode.usage, hint, options);
  }
}

/**
 * The run was interrupted (SIGINT, SIGTERM): the running statement was cancelled on the
 * server, the unit in flight rolled back, no further unit started. Exit 1, as a unit that failed.
 */
export class InterruptedError extends MigrateError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.unitFailed, hint);
  }
}

/** Where in a file a server error points, when it can be known. */
export interface SourcePosition {
  file: string;
  line?: number;
  column?: number;
}

/** A unit failed while executing and was rolled back whole. */
export class UnitFailedError extends MigrateError {
  constructor(
    readonly unit: string,
    readonly direction: 'up' | 'down' | 'verify',
    readonly position: SourcePosition,
    readonly serverMessage: string,
    options?: { cause?: unknown; hint?: string; exitCode?: ExitCodeValue },
  ) {
    const where = position.line ? `${position.file}:${position.line}${position.column ? `:${position.column}` : ''}` : position.file;
    super(`${unit} (${direction}) failed at ${where}: ${serverMessage}`, options?.exitCode ?? ExitCode.unitFailed, options?.hint, options);
  }
}

/** Verification ran and did not approve. */
export class NotApprovedError extends MigrateError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.notApproved, hint);
  }
}

/** Unwraps umzug's MigrationError (and other cause chains) down to our own typed error. */
export function asMigrateError(err: unknown): MigrateError {
  let e = err as { cause?: unknown } | undefined;
  while (e && !(e instanceof MigrateError) && e.cause) e = e.cause as { cause?: unknown };
  return e instanceof MigrateError ? e : new MigrateError(String((e as Error)?.message ?? e), ExitCode.unitFailed, undefined, { cause: e });
}
