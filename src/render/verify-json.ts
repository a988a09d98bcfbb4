import { json } from './run';
import type { VerifyReport } from '../verify/tasks';

/**
 * The CLI.md shape of `verify --format json`:
 * {"approved","tasks":[{"id","name","status","checks":[{"name","status","detail"}]}]}, plus
 * extra keys (reason; each check's unit, source, missing, object, expected, found, query, the SQL that
 * decided it and merged evidence;
 * run facts; skipped checks; the target, who verified, and each unit's history and checksums).
 */
export function verifyJson(r: VerifyReport): unknown {
  return {
    approved: r.approved,
    tasks: r.tasks.map((t) => ({
      id: t.id,
      name: t.name,
      status: t.status,
      reason: t.reason,
      checks: t.checks.map((c) => ({
        name: c.name, status: c.status, detail: c.detail, unit: c.unit, source: c.source, missing: c.missing, expected: c.expected, found: c.found, object: c.object, query: c.query, sql: c.sql, evidence: c.evidence,
      })),
    })),
    serverVersion: r.serverVersion,
    database: r.database,
    time: r.time,
    runId: r.runId,
    durationMs: r.durationMs,
    readOnly: r.readOnly,
    skipped: r.skipped,
    target: r.context.target,
    verifiedBy: r.context.verifiedBy,
    units: r.context.units,
  };
}

export function renderVerifyJson(r: VerifyReport): string {
  return json(verifyJson(r));
}
