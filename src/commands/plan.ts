import { paintFor } from '../render/colour';
import type { Argv } from 'yargs';
import path from 'node:path';
import { analyzeSequence, parseUnits, neededObjects, type UnitAnalysis } from '../analysis/unit-analysis';
import type { Finding, Gap, SqlSyntaxIssue } from '../analysis/types';
import { catalogFacts } from '../db/catalog-facts';
import { serverFacts, type ServerFacts } from '../db/server-facts';
import { syntaxIssues } from '../engine/syntax';
import { syntaxErrorsAside } from '../analysis/grammar-thread';
import { GRAMMAR_17, preloadParser } from '../analysis/parse';
import { WRITE_CHECK, writeCheck, writeFacts } from '../db/writable';
import { drifted, History, isApplied } from '../engine/history';
import { precheckUnit } from '../engine/unit-checks';
import type { CheckResult } from '../verify/checks';
import { migrationUnits, phaseUnits, withDatabase, type CommonOptions } from './common';
import { roleSwitchCheck } from './role-switches';
import { commonOptions, formatOf, outputFlags, type GlobalArgv, type OutputArgv } from './flags';
import type { Io, Outcome } from './io';
import { emit } from './outcome';
import { json } from '../render/run';
import { renderPlanMarkdown, renderPlanText, planJson } from './plan-render';
import { FOOTPRINT_MAX_CHARS, mergeFootprints, stepFootprint } from '../analysis/lock-footprint';
import type { PreflightCheck } from '../engine/blocking';
import { NO_RETRY } from '../engine/execute/retry';
import { namedChecks } from '../engine/preflight-checks';
import { parseDuration } from './flags';
import { SEQUENCE_LOCK_DEFAULTS } from './run-flags';

export interface PlanOptions extends CommonOptions {
  /** Plan the remediation sequence (the phases) instead of the migrations folder. */
  remediate?: boolean;
}

export interface PlannedUnitDetail {
  name: string;
  kind: 'phase' | 'migration';
  title: string;
  file: string;
  statements: number;
  /** False when a statement cannot run in a transaction: the runner executes it outside one. */
  transactional: boolean;
  prechecks: CheckResult[];
  locks: Array<{ line: number; table: string; lock: string; reason: string; rows: number; bytes: number }>;
  /** Why the up step runs outside a transaction. */
  outside?: { line: number; reason: string };
  /** The down step, analysed as the up step is. */
  down?: { file: string; statements: number; transactional: boolean; outside?: { line: number; reason: string }; locks: PlannedUnitDetail['locks'] };
}

export interface PlanResult {
  ready: boolean;
  /** Checks of the server itself, before any unit: it must accept writes. */
  server: CheckResult[];
  /** The named checks a run makes before its first change (server version, writes, privileges, live locks, extensions). */
  preflight: PreflightCheck[];
  mode: 'up' | 'remediate';
  database: string;
  units: PlannedUnitDetail[];
  alreadyApplied: string[];
  drifted: string[];
  gaps: Gap[];
  findings: Finding[];
  syntaxErrors: SqlSyntaxIssue[];
  /** What to do next when blocked, e.g. that the remediation phases may provide the gaps. */
  hint?: string;
}

/**
 * `migrate plan`: read-only. Parses every pending unit with PostgreSQL's parser, walks them
 * in order against the live catalog for dependency gaps, lints them, predicts the locks they
 * take on existing tables, and runs their prechecks. Ready only when nothing blocks.
 */
export async function plan(o: PlanOptions): Promise<PlanResult> {
  // The parser's WebAssembly compiles while the server is asked what it has.
  preloadParser({ eager: true });
  const units = o.remediate ? phaseUnits(o) : migrationUnits(o);
  return withDatabase(o, async ({ session, settings }) => {
    const server = [{ check: WRITE_CHECK, ...writeCheck(await writeFacts(session)) }];
    const states = await History.latest(session);
    const pending = units.filter((u) => !isApplied(states.get(u.name)));
    const target = await serverFacts(session);
    const steps = pending.flatMap((u) => [u.up, ...(u.down ? [u.down] : [])]).map((f) => ({ file: f.path, text: f.text }));
    // The server's grammar decides (a 16+ construct on a 15 server): with its parser installed, on a thread beside this parse.
    // When it is the analysis' own (17), that parse's verdicts are the check: no second parse.
    const versionedAside = target.major === GRAMMAR_17.major ? Promise.resolve([]) : syntaxErrorsAside(steps, target.major);
    const parsed = await parseUnits(pending);
    const facts = await catalogFacts(session, neededObjects(parsed));
    const analysis = analyzeSequence(parsed, facts);
    const details: PlannedUnitDetail[] = [];
    for (const a of analysis.units) {
      details.push({
        name: a.unit.name, kind: a.unit.kind, title: a.unit.title, file: a.unit.up.path, statements: a.statements.length,
        transactional: a.transactional, outside: a.outside,
        prechecks: a.syntaxError ? [] : [...(await precheckUnit(session, a.unit)), ...superuserCheck(a, target)], locks: a.locks,
        down: a.down && { file: a.down.file, statements: a.down.statements.length, transactional: a.down.transactional, outside: a.down.outside, locks: a.down.locks },
      });
    }
    // The 17 parser's verdict stands for the files the server's grammar finds nothing in.
    const versioned = versionedAside ? await versionedAside : await syntaxIssues(session, steps, target.major);
    const syntaxErrors = [...versioned, ...analysis.units.flatMap((a) => [a.syntaxError, a.down?.syntaxError])
      .filter((e): e is SqlSyntaxIssue => !!e && !versioned.some((v) => v.file === e.file))];
    const findings: Finding[] = [
      ...syntaxErrors.map((e) => ({ rule: 'syntax-error', severity: 'error' as const, file: e.file, line: e.line, message: `${e.file}:${e.line}:${e.column}: ${e.message}` })),
      ...analysis.units.flatMap((a) => a.findings),
      ...(await roleSwitchCheck(session, units, pending, new Map(parsed.map((p) => [p.unit.up, p.up.statements])))),
    ];
    const drift = drifted(units, states).map((u) => u.name);
    // The live-lock look counts transactions open longer than one attempt of `up`/`remediate` (default --lock-timeout).
    const small = parsed.filter((p) => !p.up.syntaxError && p.unit.up.text.length <= FOOTPRINT_MAX_CHARS);
    const tables = mergeFootprints(small.filter((p) => p.unit.transactional).map((p) => stepFootprint(p.up.statements)));
    const policy = { ...NO_RETRY, lockTimeoutMs: parseDuration(SEQUENCE_LOCK_DEFAULTS.lockTimeout, 'lock-timeout') };
    const preflight = pending.length ? await namedChecks(session, small.map((p) => p.up.statements), { tables, blocking: { policy, exclude: [] } }) : [];
    const ready = server.every((c) => c.ok) && preflight.every((c) => c.ok) && syntaxErrors.length === 0 && analysis.gaps.length === 0 && drift.length === 0
      && !findings.some((f) => f.severity === 'error') && details.every((d) => d.prechecks.every((c) => c.ok));
    return {
      ready, server, preflight, mode: o.remediate ? 'remediate' : 'up', database: settings.display, units: details,
      alreadyApplied: units.filter((u) => isApplied(states.get(u.name))).map((u) => u.name), drifted: drift,
      gaps: analysis.gaps, findings, syntaxErrors,
      hint: !ready && !o.remediate && analysis.gaps.length > 0 && o.phasesDir
        ? 'the remediation phases may provide what is missing: `migrate plan --remediate` plans them, `migrate remediate` applies them'
        : undefined,
    };
  });
}

/** A unit with statements only a superuser may run: the role must be one (pg_roles.rolsuper). */
function superuserCheck(a: UnitAnalysis, server: ServerFacts): CheckResult[] {
  const needs = [...a.superuser.map((x) => ({ ...x, file: a.file })), ...(a.down?.superuser ?? []).map((x) => ({ ...x, file: a.down!.file }))];
  if (needs.length === 0) return [];
  const where = needs.map((x) => `${path.relative(process.cwd(), x.file) || x.file}:${x.line} (${x.reason})`).join('; ');
  return [{ check: 'superuser', ok: server.superuser, detail: `${server.role} ${server.superuser ? 'is' : 'is not'} a superuser; needed by ${where}` }];
}

type PlanArgv = GlobalArgv & OutputArgv & { remediate: boolean };

export function builder(y: Argv): Argv {
  return outputFlags(y).option('remediate', { type: 'boolean', default: false, describe: 'plan the remediation phases instead of the migrations folder' });
}

export async function handler(a: PlanArgv, io: Io): Promise<Outcome> {
  const r = await plan({ ...commonOptions(a, io), remediate: a.remediate });
  const format = formatOf(a);
  const out = format === 'json' ? json(planJson(r)) : format === 'markdown' ? renderPlanMarkdown(r) : renderPlanText(r, paintFor(io.stdout, io.env));
  return emit(a, out, { exitCode: r.ready ? 0 : 3, summary: `migrate plan${r.mode === 'remediate' ? ' --remediate' : ''}: ${r.ready ? 'READY' : 'BLOCKED'}` });
}
