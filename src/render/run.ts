import type { MigrateError } from '../errors';
import { cell } from './cell';
import { plain, type Paint } from './colour';
import type { UnitAction, UnitResult } from '../engine/runner';

/** What `up`, `remediate` and `rollback` results have in common (CLI.md's run shape). */
export interface RunResult {
  ok: boolean;
  dryRun: boolean;
  runId: string;
  units: UnitResult[];
  /** The named checks before the first change (engine/blocking.ts PreflightCheck). */
  preflight?: Array<{ name: string; ok: boolean; detail: string }>;
  error?: MigrateError;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export function errorJson(e: MigrateError): { message: string; exitCode: number; hint?: string; details?: string[] } {
  return { message: e.message, exitCode: e.exitCode, hint: e.hint, details: (e as { details?: string[] }).details };
}

/** One unit of the run shape, plus extra keys. */
export function unitJson(u: UnitResult, withChecks = false): unknown {
  return {
    name: u.name, kind: u.kind, action: u.action, durationMs: u.durationMs, lockWaitMs: u.lockWaitMs, attempts: u.attempts, reason: u.reason, error: u.error,
    schemaEqualsBefore: u.schemaEqualsBefore, ...(withChecks ? { checks: u.checks } : {}),
  };
}

/** `{"ok","dryRun","runId","units":[…],"error"}` and whatever a command adds. */
export function runJson(r: RunResult, extra: Record<string, unknown> = {}, withChecks = false): unknown {
  return { ok: r.ok, dryRun: r.dryRun, runId: r.runId, units: r.units.map((u) => unitJson(u, withChecks)), preflight: r.preflight, ...extra, error: r.error ? errorJson(r.error) : undefined };
}

/** A run refused before its first unit (lock, dependants, data loss, unknown unit, connection). */
export function refusedRun(runId: string, dryRun: boolean, error: MigrateError): RunResult {
  return { ok: false, dryRun, runId, units: [], error };
}

const MARK: Record<UnitAction, string> = { applied: '✓', adopted: '✓', skipped: '·', 'rolled-back': '↶', failed: '✗', 'not-run': '○', unknown: '?' };
/** In a dry run nothing stayed: say what would have happened. */
const WOULD: Partial<Record<UnitAction, string>> = { applied: 'would apply', adopted: 'would adopt', 'rolled-back': 'would roll back' };

export function actionWord(u: UnitResult, dryRun: boolean): string {
  return (dryRun && WOULD[u.action]) || u.action;
}

export function renderUnitLines(units: readonly UnitResult[], dryRun: boolean): string[] {
  const width = Math.max(10, ...units.map((u) => u.name.length));
  return units.map((u) => {
    const extra = u.error ?? u.reason ?? (u.schemaEqualsBefore === false ? 'schema differs from before apply outside this unit' : '');
    const tries = (u.attempts ?? 1) > 1 ? `attempt ${u.attempts}` : '';
    const waits = u.lockWaitMs ? `waited ${u.lockWaitMs} ms for locks` : '';
    const waited = tries || waits ? ` (${[tries, waits].filter(Boolean).join(', ')})` : '';
    return `  ${MARK[u.action]} ${actionWord(u, dryRun).padEnd(15)} ${u.name.padEnd(width)} ${String(u.durationMs).padStart(6)} ms${waited}${extra ? `  ${extra}` : ''}`;
  });
}

function summary(r: RunResult): string {
  const counts = new Map<string, number>();
  for (const u of r.units) counts.set(actionWord(u, r.dryRun), (counts.get(actionWord(u, r.dryRun)) ?? 0) + 1);
  return [...counts].map(([a, n]) => `${n} ${a}`).join(', ') || 'nothing to do';
}

/** A run on a terminal: its id, a line per unit, the outcome; `more` lines go before the outcome. */
export function renderRunText(title: string, r: RunResult, more: string[] = [], paint: Paint = plain): string {
  const head = `${title}${r.dryRun ? ' (DRY RUN: everything was rolled back)' : ''}  run ${r.runId}`;
  const outcome = r.ok ? paint(r.dryRun ? 'dry run succeeded, nothing was changed' : 'done', 'green') : paint(r.units.length === 0 ? 'REFUSED: nothing was changed' : 'FAILED', 'red');
  const checks = (r.preflight ?? []).map((c) => `  ${c.ok ? '✓' : paint('✗', 'red')} preflight ${c.name}: ${c.detail}`);
  return [head, ...checks, ...renderUnitLines(r.units, r.dryRun), ...more, `${outcome}: ${summary(r)}  run ${r.runId}`].join('\n') + '\n';
}


/** A run as a Markdown section for a change ticket; `more` sections follow the units table. */
export function renderRunMarkdown(title: string, r: RunResult, more: string[] = []): string {
  const out = [`# ${title}: ${r.ok ? 'OK' : r.units.length === 0 ? 'REFUSED' : 'FAILED'}${r.dryRun ? ' (dry run: everything was rolled back)' : ''}`, '', `- Run id: \`${r.runId}\``, `- Time: ${new Date().toISOString()}`, ''];
  out.push('| unit | kind | action | duration | attempts | lock waits | detail |', '|---|---|---|---:|---:|---:|---|');
  for (const u of r.units) {
    out.push(`| ${u.name} | ${u.kind} | ${actionWord(u, r.dryRun)} | ${u.durationMs} ms | ${u.attempts ?? ''} | ${u.lockWaitMs ? `${u.lockWaitMs} ms` : ''} | ${cell(u.error ?? u.reason)} |`);
  }
  out.push(...more);
  if (r.error) out.push('', '## Error', '', '```', r.error.message, '```', ...(r.error.hint ? ['', `Hint: ${r.error.hint}`] : []));
  return out.join('\n') + '\n';
}

export type OutputFormat = 'text' | 'json' | 'markdown';

/** A run in the chosen format; `extra` adds keys to its JSON, `warnings` lines to its text and Markdown. */
export function renderRun(title: string, r: RunResult, format: OutputFormat, extra: Record<string, unknown> = {}, warnings: readonly string[] = [], paint: Paint = plain): string {
  if (format === 'json') return json(runJson(r, extra));
  if (format === 'markdown') return renderRunMarkdown(title, r, warnings.length ? ['', '## Warnings', '', ...warnings.map((w) => `- ${w}`)] : []);
  return renderRunText(title, r, warnings.map((w) => `warning: ${w}`), paint);
}
