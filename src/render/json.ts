import type { SequenceResult } from '../engine/sequence';
import type { UnitResult } from '../engine/runner';
import type { StatusResult } from '../commands/status';
import type { RollbackResult } from '../commands/rollback';
import type { MigrateError } from '../errors';

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** One unit of the CLI.md shape of `remediate --json`, `rollback --json` and `up --json`, plus extra keys. */
function unitJson(u: UnitResult, withChecks = false): unknown {
  return {
    name: u.name, kind: u.kind, action: u.action, durationMs: u.durationMs, lockWaitMs: u.lockWaitMs, reason: u.reason, error: u.error,
    schemaEqualsBefore: u.schemaEqualsBefore, ...(withChecks ? { checks: u.checks } : {}),
  };
}

export function sequenceJson(r: SequenceResult): unknown {
  return {
    ok: r.ok,
    dryRun: r.dryRun,
    runId: r.runId,
    units: r.units.map((u) => unitJson(u)),
    postVerification: (r as { postVerification?: unknown }).postVerification,
    error: r.error ? errorJson(r.error) : undefined,
  };
}

export function statusJson(r: StatusResult): unknown {
  return {
    database: r.database,
    units: r.units.map((u) => ({ name: u.name, kind: u.kind, state: u.state, appliedAt: u.appliedAt, checksum: u.appliedChecksum ?? u.checksum, fileChecksum: u.checksum, appliedBy: u.appliedBy, durationMs: u.durationMs,
      lastAttempt: u.lastAttempt, lastAttemptAt: u.lastAttemptAt, lastError: u.lastError, failedAttempts: u.failedAttempts })),
    unknown: r.unknown,
  };
}

export function errorJson(e: MigrateError): unknown {
  return { message: e.message, exitCode: e.exitCode, hint: e.hint, details: (e as { details?: string[] }).details };
}

export function rollbackJson(r: RollbackResult): unknown {
  return {
    ok: r.ok,
    dryRun: r.dryRun,
    runId: r.runId,
    units: r.units.map((u) => unitJson(u, true)),
    dataLoss: r.dataLoss,
    reapply: r.reapply,
    error: r.error ? errorJson(r.error) : undefined,
  };
}
