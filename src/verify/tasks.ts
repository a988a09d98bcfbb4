import type { CheckResult } from './checks';
import { TASK } from './expectations';
import { mergeDuplicates } from './identity';
import type { ReportContext } from './report-context';

/** The eight validation tasks of REMEDIATION.md, in order. */
export const TASKS: ReadonlyArray<{ id: number; name: string }> = [
  { id: TASK.schema, name: 'schema' },
  { id: TASK.rls, name: 'RLS' },
  { id: TASK.indexes, name: 'indexes' },
  { id: TASK.triggers, name: 'triggers' },
  { id: TASK.enums, name: 'enums' },
  { id: TASK.integration, name: 'integration points' },
  { id: TASK.readiness, name: 'production readiness' },
  { id: TASK.rollback, name: 'rollback' },
];

export type TaskStatus = 'pass' | 'fail' | 'blocked' | 'n/a';
/** skipped: not run on purpose (--read-only); n/a: nothing to check (e.g. nothing applied to roll back). */
export type CheckStatus = 'pass' | 'fail' | 'blocked' | 'skipped' | 'n/a';
/** Where a check comes from: the unit's expect.json, its verify.sql, its behaviour file, its own SQL (derived), or the engine. */
export type CheckSource = 'expect' | 'verify' | 'behaviour' | 'derived' | 'readiness' | 'rollback';

export interface TaskCheck {
  task: number;
  name: string;
  status: CheckStatus;
  detail: string;
  source: CheckSource;
  /** The unit that declared the check (absent for the engine's own checks). */
  unit?: string;
  /** Objects whose absence blocked the check. */
  missing?: string[];
  /** What the check wants, in words, where the check knows it (declared objects, engine checks). */
  expected?: string;
  /** How it was checked: the catalog it read, or the file:line of the hook or behaviour step. */
  query?: string;
  /** The SQL that decided it, to rerun by hand: the catalog query, or the behaviour check's statements. */
  sql?: string;
  /** The object the check is about, when a failure can name it ("trigger t on public.x"). */
  object?: string;
  /** What was found or happened, beside `expected`, when the check can say it apart from its detail. */
  found?: string;
  /** Each source's own finding, when checks of one identity from several sources were merged (identity.ts). */
  evidence?: Evidence[];
}

export interface Evidence {
  source: CheckSource;
  name: string;
  status: CheckStatus;
  detail: string;
  query?: string;
}

export interface TaskReport {
  id: number;
  name: string;
  status: TaskStatus;
  /** One line: why the task has its status. */
  reason: string;
  checks: TaskCheck[];
}

export interface VerifyReport {
  approved: boolean;
  tasks: TaskReport[];
  runId: string;
  /** The connection as settings.display prints it: never a password. */
  database: string;
  serverVersion: string;
  /** ISO time the verification started. */
  time: string;
  durationMs: number;
  readOnly: boolean;
  /** Checks not run because they write (--read-only). */
  skipped: Array<{ task: number; unit?: string; name: string; reason: string }>;
  /** Target, who verified, and the history of each unit verified (report-context.ts). */
  context: ReportContext;
}

/** A unit hook's row (verify.sql / behaviour file) as a task check; `blocked` becomes status blocked. */
export function fromResult(c: CheckResult, source: CheckSource, unit: string | undefined, fallbackTask: number): TaskCheck {
  const task = validTask(c.task) ? c.task! : fallbackTask;
  const base = { task, name: c.check, detail: c.detail, source, ...(unit ? { unit } : {}), ...(c.expected ? { expected: c.expected } : {}), ...(c.query ? { query: c.query } : {}) };
  if (c.ok) return { ...base, status: 'pass' };
  if (c.blocked && c.blocked.length > 0) return { ...base, status: 'blocked', missing: c.blocked };
  return { ...base, status: 'fail' };
}

export function validTask(t: unknown): boolean {
  return typeof t === 'number' && Number.isInteger(t) && t >= 1 && t <= TASKS.length;
}

/**
 * The task a verify.sql row belongs to when it does not say (an optional `task` column):
 * by the words of its check name. Engine-generic: it knows object kinds, not objects.
 */
export function inferTask(check: string): number {
  const c = check.toLowerCase();
  if (/\bpolic(y|ies)\b|\brls\b|row level security|isolation/.test(c)) return TASK.rls;
  if (/foreign key|on delete|\breferences\b/.test(c)) return TASK.integration;
  if (/\bgrants?\b|privilege|\busage\b|may execute|\brole\b|\bschema\b|partition|extension|read.only|drift/.test(c)) return TASK.readiness;
  if (/\benum\b|\blabels?\b/.test(c)) return TASK.enums;
  if (/\bindex(es)?\b/.test(c)) return TASK.indexes;
  if (/\btriggers?\b|\bfunctions?\b/.test(c)) return TASK.triggers;
  if (/\btables?\b|\bcolumns?\b|\bcheck\b|primary key|\bunique\b/.test(c)) return TASK.schema;
  return TASK.readiness;
}

/**
 * A task's status from its checks: blocked when a prerequisite is missing, else fail when
 * a check failed, else pass when something was checked, else n/a.
 */
export function taskStatus(checks: readonly TaskCheck[]): { status: TaskStatus; reason: string } {
  const blocked = checks.filter((c) => c.status === 'blocked');
  const failed = checks.filter((c) => c.status === 'fail');
  const passed = checks.filter((c) => c.status === 'pass');
  const skipped = checks.filter((c) => c.status === 'skipped');
  if (blocked.length > 0) {
    const missing = unique(blocked.flatMap((c) => c.missing ?? []));
    return { status: 'blocked', reason: `missing ${missing.join(', ')}${failed.length ? `; and ${failed.length} other check${failed.length > 1 ? 's' : ''} failed` : ''}` };
  }
  if (failed.length > 0) {
    const first = failed[0];
    return { status: 'fail', reason: `${failed.length} of ${checks.length} check${checks.length > 1 ? 's' : ''} failed, e.g. ${first.name}: ${first.detail}` };
  }
  if (passed.length > 0) {
    return { status: 'pass', reason: `${passed.length} check${passed.length > 1 ? 's' : ''} passed${skipped.length ? `, ${skipped.length} skipped` : ''}` };
  }
  const na = checks.find((c) => c.status === 'n/a');
  if (na) return { status: 'n/a', reason: na.detail };
  if (skipped.length > 0) return { status: 'n/a', reason: `every check skipped: ${skipped[0].detail}` };
  return { status: 'n/a', reason: 'nothing declared' };
}

/**
 * Groups checks into the eight tasks, each check once (a declared expectation and a
 * verify.sql row about the same object are one check); approved only when every task
 * passes (n/a only where nothing is declared).
 */
export function buildTasks(all: readonly TaskCheck[]): { approved: boolean; tasks: TaskReport[] } {
  const checks = mergeDuplicates(all);
  const tasks = TASKS.map(({ id, name }) => {
    const mine = checks.filter((c) => c.task === id);
    return { id, name, ...taskStatus(mine), checks: mine };
  });
  const approved = tasks.every((t) => t.status === 'pass' || (t.status === 'n/a' && t.checks.length === 0));
  return { approved, tasks };
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
