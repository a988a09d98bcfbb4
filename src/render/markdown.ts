import type { CheckStatus, TaskStatus, VerifyReport } from '../verify/tasks';

const TASK_MARK: Record<TaskStatus, string> = { pass: '✅ pass', fail: '❌ fail', blocked: '⛔ blocked', 'n/a': '➖ n/a' };
const CHECK_MARK: Record<CheckStatus, string> = { pass: '✅ pass', fail: '❌ fail', blocked: '⛔ blocked', skipped: '⏭ skipped', 'n/a': '➖ n/a' };

/** A table cell: no pipes or line breaks may leak into the table. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The verification report as a Markdown document (`verify --format markdown --out FILE`). */
export function renderVerifyMarkdown(r: VerifyReport): string {
  const out: string[] = [];
  out.push(`# Verification report: ${r.approved ? 'APPROVED' : 'NOT APPROVED'}`, '');
  out.push('| | |', '|---|---|');
  out.push(`| Result | **${r.approved ? 'APPROVED' : 'NOT APPROVED'}** |`);
  out.push(`| Run id | \`${r.runId}\` |`);
  out.push(`| Database | \`${cell(r.database)}\` |`);
  out.push(`| Server version | PostgreSQL ${cell(r.serverVersion)} |`);
  out.push(`| Time | ${r.time} |`);
  out.push(`| Duration | ${r.durationMs} ms |`);
  out.push(`| Mode | ${r.readOnly ? `read-only: ${r.skipped.length} writing check(s) skipped` : 'full (writing checks ran in rolled-back transactions)'} |`, '');

  out.push('## Tasks', '', '| # | Task | Status | Checks | Reason |', '|---:|---|---|---|---|');
  for (const t of r.tasks) {
    const counted = t.checks.filter((c) => c.status !== 'skipped' && c.status !== 'n/a');
    const ok = counted.filter((c) => c.status === 'pass').length;
    out.push(`| ${t.id} | ${cell(t.name)} | ${TASK_MARK[t.status]} | ${counted.length ? `${ok}/${counted.length}` : '–'} | ${cell(t.reason)} |`);
  }
  out.push('');

  for (const t of r.tasks) {
    out.push(`## Task ${t.id}: ${t.name} (${t.status})`, '');
    if (t.checks.length === 0) {
      out.push('Nothing declared.', '');
      continue;
    }
    out.push('| Check | Unit | Status | Detail |', '|---|---|---|---|');
    for (const c of t.checks) out.push(`| ${cell(c.name)} | ${cell(c.unit ?? '(engine)')} | ${CHECK_MARK[c.status]} | ${cell(c.detail)} |`);
    out.push('');
  }
  if (r.skipped.length > 0) {
    out.push('## Skipped (--read-only)', '');
    for (const s of r.skipped) out.push(`- task ${s.task}: ${s.name}${s.unit ? ` (${s.unit})` : ''}: ${s.reason}`);
    out.push('');
  }
  return out.join('\n');
}
