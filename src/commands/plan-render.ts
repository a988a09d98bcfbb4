import { plain, type Paint } from '../render/colour';
import { cell } from '../render/cell';
import type { PlanResult } from './plan';

const size = (bytes: number) => (bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(1)} GiB` : bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`);
const rel = (file: string) => file.replace(process.cwd() + '/', '');

export function planJson(r: PlanResult): unknown {
  return {
    ready: r.ready,
    mode: r.mode,
    database: r.database,
    server: r.server,
    preflight: r.preflight,
    units: r.units.map((u) => ({
      name: u.name, kind: u.kind, file: rel(u.file), statements: u.statements, transactional: u.transactional, outside: u.outside, prechecks: u.prechecks, locks: u.locks,
      down: u.down && { ...u.down, file: rel(u.down.file) },
    })),
    gaps: r.gaps.map((g) => ({ unit: g.unit, file: rel(g.file), line: g.line, kind: g.kind, name: g.name })),
    findings: r.findings.map((f) => ({ ...f, file: rel(f.file) })),
    syntaxErrors: r.syntaxErrors.map((e) => ({ ...e, file: rel(e.file) })),
    alreadyApplied: r.alreadyApplied,
    drifted: r.drifted,
    hint: r.hint,
  };
}

const outside = (step: { transactional: boolean; outside?: { line: number; reason: string } }): string =>
  step.transactional ? '' : `; runs OUTSIDE a transaction${step.outside ? ` (line ${step.outside.line}: ${step.outside.reason})` : ''}`;

export function renderPlanText(r: PlanResult, paint: Paint = plain): string {
  const lines = [`migrate plan${r.mode === 'remediate' ? ' --remediate' : ''} on ${r.database}: ${r.ready ? paint('READY', 'green') : paint('BLOCKED', 'red')}`];
  for (const c of r.server) lines.push(`  ${c.ok ? '✓' : '✗'} ${c.check}: ${c.detail}`);
  for (const c of r.preflight.filter((p) => !r.server.some((x) => x.check === p.name))) lines.push(`  ${c.ok ? '✓' : '✗'} preflight ${c.name}: ${c.detail}`);
  if (r.alreadyApplied.length) lines.push(`  already applied: ${r.alreadyApplied.join(', ')}`);
  if (r.units.length === 0) lines.push('  nothing pending');
  r.units.forEach((u, i) => {
    lines.push(`  ${i + 1}. ${u.name} (${u.kind}) — ${u.title}; ${u.statements} statements${outside(u)}`);
    for (const c of u.prechecks) lines.push(`       ${c.ok ? '✓' : '✗'} precheck ${c.check}${c.detail ? `: ${c.detail}` : ''}`);
    for (const l of u.locks) lines.push(`       lock ${l.lock} on ${l.table} (~${l.rows} rows, ${size(l.bytes)}) at line ${l.line}: ${l.reason}`);
    if (u.down && (!u.down.transactional || u.down.locks.length)) lines.push(`       down ${rel(u.down.file)}: ${u.down.statements} statements${outside(u.down)}`);
    for (const l of u.down?.locks ?? []) lines.push(`         lock ${l.lock} on ${l.table} (~${l.rows} rows, ${size(l.bytes)}) at line ${l.line}: ${l.reason}`);
  });
  if (r.drifted.length) lines.push(`Drifted (file changed since applied): ${r.drifted.join(', ')}`);
  if (r.gaps.length) {
    lines.push('Missing prerequisites (needed, but neither the database nor an earlier unit provides them):');
    for (const g of r.gaps) lines.push(`  ${rel(g.file)}:${g.line}  ${g.kind} ${g.name}  (needed by ${g.unit})`);
  }
  if (r.findings.length) {
    lines.push('Findings:');
    for (const f of r.findings) lines.push(`  ${f.severity.padEnd(7)} ${f.rule.padEnd(26)} ${rel(f.file)}:${f.line}  ${f.message}`);
  }
  lines.push(r.ready ? `${paint('ready', 'green')}: nothing blocks` : `${paint('BLOCKED', 'red')}: ${[r.server.filter((c) => !c.ok).map((c) => `${c.check}: no`).join(', '), r.preflight.filter((c) => !c.ok && !r.server.some((x) => x.check === c.name)).map((c) => `preflight ${c.name}`).join(', '), r.syntaxErrors.length && `${r.syntaxErrors.length} syntax error(s)`, r.gaps.length && `${r.gaps.length} missing prerequisite(s)`, r.findings.filter((f) => f.severity === 'error').length && `${r.findings.filter((f) => f.severity === 'error').length} error finding(s)`, r.drifted.length && 'drift', r.units.some((u) => u.prechecks.some((c) => !c.ok)) && 'failed prechecks'].filter(Boolean).join(', ')}`);
  if (r.hint) lines.push(`hint: ${r.hint}`);
  return lines.join('\n') + '\n';
}

export function renderPlanMarkdown(r: PlanResult): string {
  const out = [`# Migration plan: ${r.ready ? 'READY' : 'BLOCKED'}`, '', `- Database: \`${r.database}\``, `- Mode: ${r.mode}`, `- Generated: ${new Date().toISOString()}`, ''];
  for (const c of r.server) out.push(`- ${c.check}: ${c.ok ? 'yes' : `**no**: ${c.detail}`}`);
  for (const c of r.preflight.filter((p) => !r.server.some((x) => x.check === p.name))) out.push(`- preflight ${c.name}: ${c.ok ? 'ok' : '**no**'}: ${cell(c.detail)}`);
  if (r.server.length) out.push('');
  out.push('## Units', '', '| # | unit | kind | statements | transaction | down in a transaction | prechecks |', '|---|---|---|---|---|---|---|');
  r.units.forEach((u, i) => out.push(`| ${i + 1} | ${u.name} | ${u.kind} | ${u.statements} | ${u.transactional ? 'yes' : '**no**'} | ${!u.down ? '(no down)' : u.down.transactional ? 'yes' : '**no**'} | ${u.prechecks.every((c) => c.ok) ? 'ok' : u.prechecks.filter((c) => !c.ok).map((c) => c.check).join(', ')} |`));
  const locks = r.units.flatMap((u) => u.locks.map((l) => ({ unit: u.name, ...l })));
  if (locks.length) {
    out.push('', '## Locks on existing tables', '', '| unit | line | table | lock | est. rows | size |', '|---|---|---|---|---|---|');
    for (const l of locks) out.push(`| ${l.unit} | ${l.line} | ${l.table} | ${l.lock} | ${l.rows} | ${size(l.bytes)} |`);
  }
  if (r.gaps.length) {
    out.push('', '## Missing prerequisites', '', '| unit | file:line | kind | name |', '|---|---|---|---|');
    for (const g of r.gaps) out.push(`| ${g.unit} | ${rel(g.file)}:${g.line} | ${g.kind} | ${g.name} |`);
  }
  if (r.findings.length) {
    out.push('', '## Findings', '', '| severity | rule | file:line | message |', '|---|---|---|---|');
    for (const f of r.findings) out.push(`| ${f.severity} | ${f.rule} | ${rel(f.file)}:${f.line} | ${cell(f.message)} |`);
  }
  return out.join('\n') + '\n';
}
