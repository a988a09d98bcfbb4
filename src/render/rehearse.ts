import type { RehearsalStep, RehearseResult } from '../commands/rehearse';

export function renderStep(st: RehearsalStep): string {
  return `${st.ok ? '✓' : '✗'} ${st.name.padEnd(40)} ${String(st.durationMs).padStart(6)} ms  ${st.summary}${!st.ok && st.expected ? `  (expected: ${st.expected})` : ''}\n`;
}

/** The verdict after the steps (which were printed as they happened). */
export function renderVerdict(r: RehearseResult & { recordPath?: string }): string {
  const lines = [r.ok
    ? `REHEARSAL PASSED: every step did what it should (PostgreSQL ${r.serverVersion}); report ${r.reportPath}`
    : `REHEARSAL FAILED at: ${r.steps.filter((s) => !s.ok).map((s) => s.name).join(', ')}`];
  if (r.recordPath) lines.push(`record written to ${r.recordPath}`);
  if (r.kept) lines.push(`server kept running: ${r.kept.url} (password in ${r.kept.passFile}: PGPASSFILE=${r.kept.passFile} psql '${r.kept.url}'); Ctrl-C stops and removes it`);
  return lines.join('\n') + '\n';
}

export function rehearseJson(r: RehearseResult & { recordPath?: string }): unknown {
  return { ok: r.ok, serverVersion: r.serverVersion, reportPath: r.reportPath, steps: r.steps, record: r.recordPath, kept: r.kept ? { url: r.kept.url, passFile: r.kept.passFile } : undefined };
}
