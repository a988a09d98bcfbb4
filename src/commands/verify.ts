import { setFlagsFromString } from 'node:v8';
import { paintFor, plain, type Paint } from '../render/colour';
import type { Argv } from 'yargs';
import { History } from '../engine/history';
import { NotApprovedError } from '../errors';
import { renderVerifyJson } from '../render/verify-json';
import { renderVerifyMarkdown } from '../render/markdown';
import { renderVerifyText, verifySummaryLine } from '../render/verify-text';
import { serverFacts } from '../verify/readiness';
import { reportContext } from '../verify/report-context';
import { derivedTables } from '../verify/derive';
import { collectChecks } from '../verify/run';
import { buildTasks, type VerifyReport } from '../verify/tasks';
import { allUnits, withDatabase, type CommonOptions } from './common';
import { commonOptions, formatOf, outputFlags, parseDuration, type GlobalArgv, type OutputArgv } from './flags';
import type { Io, Outcome } from './io';
import { emit } from './outcome';

export interface VerifyOptions extends CommonOptions {
  /** Skip the checks that write (behaviour files, rollback rehearsal); the session is made read-only. */
  readOnly?: boolean;
  /** lock_timeout of every verify statement, above all the writing checks (default 2000 ms). */
  checkLockTimeoutMs?: number;
}

export const DEFAULT_CHECK_LOCK_TIMEOUT_MS = 2000;

/**
 * `migrate verify`: the eight validation tasks over the remediation sequence and every
 * other migration (allUnits). Never writes: the writing checks run in transactions that
 * are rolled back, and --read-only skips them and makes the session read-only.
 */
export async function verify(o: VerifyOptions): Promise<VerifyReport> {
  const units = allUnits(o);
  const lockTimeout = `${o.checkLockTimeoutMs ?? DEFAULT_CHECK_LOCK_TIMEOUT_MS}ms`;
  const checkTimeouts = { ...o.timeouts, lockTimeout };
  const started = performance.now();
  const time = new Date().toISOString();
  return withDatabase({ ...o, timeouts: checkTimeouts }, async ({ session, settings, runId }) => {
    const states = await History.latest(session);
    // Declared in expect.json or created by the units' own SQL: their partitions are task 7's.
    const declaredTables = [...new Set([...units.flatMap((u) => Object.keys(u.expect?.tables ?? {})), ...(await derivedTables(units))])];
    // Read before --read-only switches the session, so "accepts writes" reports the server, not us.
    const facts = await serverFacts(session, declaredTables);
    const context = await reportContext(session, settings, units, states, facts.serverVersion);
    if (o.readOnly) await session.query("select set_config('default_transaction_read_only', 'on', false)");
    const checks = await collectChecks(session, units, states, facts, { readOnly: !!o.readOnly, checkTimeouts });
    const { approved, tasks } = buildTasks(checks);
    const skipped = checks.filter((c) => c.status === 'skipped').map((c) => ({ task: c.task, unit: c.unit, name: c.name, reason: c.detail }));
    const durationMs = Math.round(performance.now() - started);
    o.log.info({ event: 'verified', runId, approved, durationMs }, approved ? 'verification approved' : 'verification not approved');
    return { approved, tasks, runId, database: settings.display, serverVersion: facts.serverVersion, time, durationMs, readOnly: !!o.readOnly, skipped, context };
  });
}

export type VerifyFormat = 'text' | 'json' | 'markdown';

/** What the CLI prints: the report in the chosen format, its one-line summary, and exit 4 unless approved. */
export function verifyOutcome(r: VerifyReport, format: VerifyFormat, outFile?: string, paint: Paint = plain): { out: string; summary: string; exitCode: number; error?: NotApprovedError } {
  const out = format === 'json' ? renderVerifyJson(r) : format === 'markdown' ? renderVerifyMarkdown(r) : renderVerifyText(r, paint);
  const summary = verifySummaryLine(r);
  if (r.approved) return { out, summary, exitCode: 0 };
  const bad = r.tasks.filter((t) => t.status !== 'pass' && !(t.status === 'n/a' && t.checks.length === 0));
  const error = new NotApprovedError(`verification did not approve: ${bad.map((t) => `task ${t.id} ${t.name} ${t.status}`).join(', ')}`,
    outFile ? `see ${outFile}` : 'the report above lists the failing checks');
  return { out, summary, exitCode: error.exitCode, error };
}

type VerifyArgv = GlobalArgv & OutputArgv & { 'read-only': boolean; 'check-lock-timeout': string };

export function builder(y: Argv): Argv {
  return outputFlags(y)
    .option('read-only', { type: 'boolean', default: false, describe: 'skip the checks that write (behaviour files, rollback rehearsal)' })
    .option('check-lock-timeout', { type: 'string', default: '2s', describe: 'lock_timeout of the checks: a busy table reports "busy" instead of waiting' });
}

/**
 * V8 settings for the rest of this (short) process. A verify allocates much and keeps little
 * (about 8 MiB live): V8 would grow the young generation to 8 MiB for garbage that dies young,
 * and optimising the few hot functions (UTF-8 copies into and out of the parser, text scans)
 * costs its compiler threads about 6 MiB, more than it saves in a run this short. Measured on
 * the remediated database with 5,000 unrelated tables: peak RSS 77 -> 66 MiB, CPU time down
 * too. V8 reads both when it decides (to optimise a function, to grow the young generation),
 * so setting them here, before the checks, is in time (measured, not assumed).
 */
function settleForShortRun(): void {
  setFlagsFromString('--no-opt');
  setFlagsFromString('--semi-space-growth-factor=1');
}

export async function handler(a: VerifyArgv, io: Io): Promise<Outcome> {
  settleForShortRun();
  const r = await verify({ ...commonOptions(a, io), readOnly: a['read-only'], checkLockTimeoutMs: parseDuration(a['check-lock-timeout'], 'check-lock-timeout') });
  const outcome = verifyOutcome(r, formatOf(a), a.out, paintFor(io.stdout, io.env));
  return emit(a, outcome.out, outcome);
}
