import { plain, type Paint } from './colour';
import type { CheckStatus, TaskStatus, VerifyReport } from '../verify/tasks';

const TASK_MARK: Record<TaskStatus, string> = { pass: '✓', fail: '✗', blocked: '⊘', 'n/a': '·' };
/** Failing checks listed per task on a terminal; the JSON and Markdown reports list all. */
const MAX_LISTED = 15;
const MAX_REASON = 150;
const CHECK_MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', blocked: '⊘', skipped: '-', 'n/a': '·' };

/** "APPROVED: 8/8 tasks pass" or "NOT APPROVED: 3/8 tasks pass (…)": the line --out prints. */
export function verifySummaryLine(r: VerifyReport, paint: Paint = plain): string {
  const pass = r.tasks.filter((t) => t.status === 'pass').length;
  const other = r.tasks.filter((t) => t.status !== 'pass').map((t) => `${t.id} ${t.status}`);
  const skipped = r.skipped.length ? `, ${r.skipped.length} check(s) skipped (--read-only)` : '';
  return `migrate verify: ${r.approved ? paint('APPROVED', 'green') : paint('NOT APPROVED', 'red')}: ${pass}/${r.tasks.length} tasks pass${other.length ? ` (${other.join(', ')})` : ''}${skipped}, run ${r.runId}`;
}

/** A terminal table of the eight tasks, then every failing or blocked check with its detail. */
export function renderVerifyText(r: VerifyReport, paint: Paint = plain): string {
  const lines: string[] = [];
  lines.push(`migrate verify  run ${r.runId.slice(0, 8)}${r.readOnly ? '  (read-only)' : ''}`);
  lines.push(`  ${r.database}  ·  PostgreSQL ${r.serverVersion}  ·  ${r.time}  ·  ${r.durationMs} ms`);
  lines.push('');
  const nameWidth = Math.max(...r.tasks.map((t) => `${t.id} ${t.name}`.length));
  lines.push(`    ${'task'.padEnd(nameWidth)}  ${'status'.padEnd(7)}  checks`);
  for (const t of r.tasks) {
    const counted = t.checks.filter((c) => c.status !== 'skipped' && c.status !== 'n/a');
    const ok = counted.filter((c) => c.status === 'pass').length;
    const counts = counted.length ? `${ok}/${counted.length}` : '-';
    const note = t.status === 'pass' ? '' : `  ${t.reason.length > MAX_REASON ? `${t.reason.slice(0, MAX_REASON - 1)}…` : t.reason}`;
    lines.push(`  ${TASK_MARK[t.status]} ${`${t.id} ${t.name}`.padEnd(nameWidth)}  ${t.status.padEnd(7)}  ${counts.padEnd(6)}${note}`.trimEnd());
  }
  const bad = r.tasks.filter((t) => t.checks.some((c) => c.status === 'fail' || c.status === 'blocked'));
  if (bad.length > 0) {
    lines.push('', 'checks that did not pass:');
    for (const t of bad) {
      lines.push(`  task ${t.id} ${t.name}`);
      const shown = t.checks.filter((x) => x.status === 'fail' || x.status === 'blocked');
      for (const c of shown.slice(0, MAX_LISTED)) lines.push(`    ${CHECK_MARK[c.status]} ${c.name}${c.unit ? `  [${c.unit}]` : ''}: ${c.detail}`);
      if (shown.length > MAX_LISTED) lines.push(`    … and ${shown.length - MAX_LISTED} more (--format json or markdown lists them all)`);
    }
  }
  if (r.skipped.length > 0) {
    lines.push('', `skipped because they write (--read-only): ${r.skipped.length}`);
    for (const s of r.skipped) lines.push(`    ${CHECK_MARK.skipped} task ${s.task}: ${s.name}${s.unit && !s.name.includes(s.unit) ? `  [${s.unit}]` : ''}`);
  }
  lines.push('', verifySummaryLine(r, paint));
  return lines.join('\n') + '\n';
}
