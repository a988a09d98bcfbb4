import type { RollbackResult } from '../commands/rollback';
import type { SequenceResult } from '../engine/sequence';
import type { UnitResult } from '../engine/runner';

const cell = (s: string | undefined) => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function unitsTable(units: readonly UnitResult[]): string[] {
  return ['| unit | kind | action | duration | detail |', '|---|---|---|---:|---|', ...units.map((u) => `| ${u.name} | ${u.kind} | ${u.action} | ${u.durationMs} ms | ${cell(u.error ?? u.reason)} |`)];
}

/** A run (remediate, up, or their dry runs) as a Markdown section for a change ticket. */
export function renderSequenceMarkdown(title: string, r: SequenceResult): string {
  const out = [`# ${title}: ${r.ok ? 'OK' : 'FAILED'}${r.dryRun ? ' (dry run: everything was rolled back)' : ''}`, '', `- Run id: \`${r.runId}\``, `- Time: ${new Date().toISOString()}`, ''];
  out.push(...unitsTable(r.units));
  if (r.error) out.push('', '## First error', '', '```', r.error.message, '```', ...(r.error.hint ? ['', `Hint: ${r.error.hint}`] : []));
  return out.join('\n') + '\n';
}

export function renderRollbackMarkdown(r: RollbackResult): string {
  const out = [`# migrate rollback: ${r.ok ? 'OK' : 'FAILED'}${r.dryRun ? ' (dry run: everything was undone)' : ''}`, '', `- Run id: \`${r.runId}\``, `- Time: ${new Date().toISOString()}`, ''];
  out.push(...unitsTable(r.units));
  const checks = [...r.units.flatMap((u) => (u.checks ?? []).map((c) => ({ unit: u.name, ...c }))), ...(r.reapply?.checks ?? []).map((c) => ({ unit: '', ...c }))];
  if (checks.length) out.push('', '## Proof', '', '| unit | check | result | detail |', '|---|---|---|---|', ...checks.map((c) => `| ${c.unit} | ${cell(c.check)} | ${c.ok ? 'ok' : '**failed**'} | ${cell(c.detail)} |`));
  if (r.dataLoss.length) out.push('', '## Data removed', '', ...r.dataLoss.map((d) => `- ${d.table}: ${d.rows} row(s) (${d.unit})`));
  if (r.error) out.push('', '## Error', '', '```', r.error.message, '```');
  return out.join('\n') + '\n';
}
