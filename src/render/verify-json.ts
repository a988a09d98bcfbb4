import type { VerifyReport } from '../verify/tasks';

/**
 * The CLI.md shape of `verify --format json`:
 * {"approved","tasks":[{"id","name","status","checks":[{"name","status","detail"}]}]}, plus
 * extra keys (reason; each check's unit, source, missing; run facts; skipped checks).
 */
export function verifyJson(r: VerifyReport): unknown {
  return {
    approved: r.approved,
    tasks: r.tasks.map((t) => ({
      id: t.id,
      name: t.name,
      status: t.status,
      reason: t.reason,
      checks: t.checks.map((c) => ({ name: c.name, status: c.status, detail: c.detail, unit: c.unit, source: c.source, missing: c.missing })),
    })),
    serverVersion: r.serverVersion,
    database: r.database,
    time: r.time,
    runId: r.runId,
    durationMs: r.durationMs,
    readOnly: r.readOnly,
    skipped: r.skipped,
  };
}

export function renderVerifyJson(r: VerifyReport): string {
  return JSON.stringify(verifyJson(r), null, 2) + '\n';
}
