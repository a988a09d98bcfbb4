import type { SequenceResult } from '../engine/sequence';
import type { UnitResult } from '../engine/runner';
import type { StatusResult } from '../commands/status';
import type { RollbackResult } from '../commands/rollback';

const MARK: Record<UnitResult['action'], string> = { applied: '✓', adopted: '✓', skipped: '·', 'rolled-back': '↶', failed: '✗', 'not-run': '○' };

export function renderUnits(units: readonly UnitResult[]): string[] {
  const width = Math.max(10, ...units.map((u) => u.name.length));
  return units.map((u) => {
    const extra = u.error ?? u.reason ?? (u.schemaEqualsBefore === false ? 'schema differs from before apply outside this unit' : '');
    const waited = u.lockWaitMs ? ` (waited ${u.lockWaitMs} ms for locks)` : '';
    return `  ${MARK[u.action]} ${u.action.padEnd(11)} ${u.name.padEnd(width)} ${String(u.durationMs).padStart(6)} ms${waited}${extra ? `  ${extra}` : ''}`;
  });
}

export function renderSequence(title: string, r: SequenceResult): string {
  const counts = new Map<string, number>();
  for (const u of r.units) counts.set(u.action, (counts.get(u.action) ?? 0) + 1);
  const summary = [...counts].map(([a, n]) => `${n} ${a}`).join(', ') || 'nothing to do';
  const lines = [`${title}${r.dryRun ? ' (DRY RUN: everything was rolled back)' : ''}  run ${r.runId.slice(0, 8)}`, ...renderUnits(r.units)];
  lines.push(`${r.ok ? (r.dryRun ? 'dry run succeeded' : 'done') : 'FAILED'}: ${summary}`);
  return lines.join('\n') + '\n';
}

export function renderStatus(r: StatusResult): string {
  const width = Math.max(10, ...r.units.map((u) => u.name.length));
  const lines = [`status of ${r.database}`];
  for (const u of r.units) {
    const when = u.appliedAt ? `${u.appliedAt} by ${u.appliedBy}${u.durationMs != null ? ` in ${u.durationMs} ms` : ''}` : u.rolledBackAt ? `rolled back ${u.rolledBackAt}` : '';
    const failure = u.lastAttempt === 'failed'
      ? `  (last ${u.lastDirection === 'down' ? 'rollback ' : ''}attempt failed${u.failedAttempts > 1 ? ` ${u.failedAttempts}×` : ''}, at ${u.lastAttemptAt}: ${u.lastError ?? 'no error recorded'})`
      : '';
    lines.push(`  ${u.state.padEnd(8)} ${u.kind.padEnd(9)} ${u.name.padEnd(width)} ${when}${u.state === 'drifted' ? '  (file changed since applied)' : ''}`.trimEnd() + failure);
  }
  for (const name of r.unknown) lines.push(`  applied  ?         ${name.padEnd(width)} (in the history, but no file describes it)`);
  const pending = r.units.filter((u) => u.state === 'pending').length;
  const drifted = r.units.filter((u) => u.state === 'drifted').length;
  const lastFailed = r.units.filter((u) => u.lastAttempt === 'failed').length;
  lines.push(`${r.units.length - pending} applied, ${pending} pending${drifted ? `, ${drifted} DRIFTED` : ''}${lastFailed ? `, ${lastFailed} whose last attempt failed` : ''}`);
  return lines.join('\n') + '\n';
}

export function renderRollback(r: RollbackResult): string {
  const lines = [`migrate rollback${r.dryRun ? ' (DRY RUN: everything was undone)' : ''}  run ${r.runId.slice(0, 8)}`, ...renderUnits(r.units)];
  for (const u of r.units) for (const c of u.checks ?? []) lines.push(`      ${c.ok ? '✓' : '✗'} ${c.check}: ${c.detail}`);
  for (const d of r.dataLoss) lines.push(`  data removed: ${d.table} held ${d.rows} row(s)`);
  if (r.reapply) for (const c of r.reapply.checks) lines.push(`  ${c.ok ? '✓' : '✗'} ${c.check}: ${c.detail}`);
  lines.push(r.ok ? 'done' : 'FAILED');
  return lines.join('\n') + '\n';
}
