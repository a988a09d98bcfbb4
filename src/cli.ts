import yargs, { type Argv } from 'yargs';
import { commonFlags, commonOptions, isJson, parseDuration, parseWindowEnd, type CommonArgv } from './cli-options';
import { confirmPlan } from './prompt';
import { writeOutput } from './render/output';
import { MigrateError, UsageError } from './errors';
import { redactUrl } from './db/settings';
import { errorJson, json, rollbackJson, sequenceJson, statusJson } from './render/json';
import { renderRollback, renderSequence, renderStatus } from './render/text';
import { renderRollbackMarkdown, renderSequenceMarkdown } from './render/run-markdown';
import type { SequenceResult } from './engine/sequence';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Whether a person is at a terminal (prompts, readable logs). */
  interactive: boolean;
  /** Aborted on Ctrl-C (the bin wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
  /** Set by main: --log-level was given explicitly. */
  argvHasLogLevel?: boolean;
}

/** What a command handler hands back to the wrapper: text to print and an exit code. */
interface Outcome {
  out: string;
  exitCode: number;
  error?: MigrateError;
}

type Handler = (a: CommonArgv & Record<string, unknown>, io: Io) => Promise<Outcome>;

function sequenceOutcome(a: CommonArgv & Record<string, unknown>, title: string, r: SequenceResult): Outcome {
  const out = isJson(a) ? json(sequenceJson(r)) : a.format === 'markdown' ? renderSequenceMarkdown(title, r) : renderSequence(title, r);
  return withOut(a, out, { exitCode: r.error ? r.error.exitCode : 0, summary: `${title}: ${r.ok ? 'ok' : 'FAILED'}`, error: r.error });
}

/**
 * Command modules load on demand: `status` should not pay for umzug and the analysis
 * packages at start-up (its target is well under 200 ms for the whole process).
 */
const load = {
  baseline: () => require('./commands/baseline') as typeof import('./commands/baseline'),
  remediate: () => require('./commands/remediate') as typeof import('./commands/remediate'),
  rollback: () => require('./commands/rollback') as typeof import('./commands/rollback'),
  status: () => require('./commands/status') as typeof import('./commands/status'),
  up: () => require('./commands/up') as typeof import('./commands/up'),
  verify: () => require('./commands/verify') as typeof import('./commands/verify'),
  plan: () => require('./commands/plan') as typeof import('./commands/plan'),
  story: () => require('./commands/rehearse-story') as typeof import('./commands/rehearse-story'),
  rehearseRender: () => require('./render/rehearse') as typeof import('./render/rehearse'),
  planRender: () => require('./render/plan') as typeof import('./render/plan'),
};

const handlers: Record<string, Handler> = {
  async up(a, io) {
    const o = commonOptions(a, humanLog(a, io), io.env);
    const r = await load.up().up({ ...o, target: a.target as string | undefined, dryRun: a['dry-run'] as boolean, singleTransaction: a['single-transaction'] as boolean });
    return sequenceOutcome(a, 'migrate up', r);
  },
  async remediate(a, io) {
    const o = commonOptions(a, humanLog(a, io), io.env);
    const wantsPrompt = io.interactive && !a.yes && !a['dry-run'] && !isJson(a);
    const r = await load.remediate().remediate({
      ...o,
      to: a.to as string | undefined,
      skip: (a.skip as string[] | undefined) ?? [],
      singleTransaction: a['single-transaction'] as boolean,
      dryRun: a['dry-run'] as boolean,
      confirm: wantsPrompt ? (plan) => confirmPlan(plan, io) : undefined,
      windowEnd: a['window-end'] ? parseWindowEnd(a['window-end'] as string) : undefined,
      rehearsal: a.rehearsal as string | undefined,
      rehearsalMaxAgeMs: parseDuration(a['rehearsal-max-age'] as string, 'rehearsal-max-age'),
    });
    return sequenceOutcome(a, 'migrate remediate', r);
  },
  async rollback(a, io) {
    const o = commonOptions(a, humanLog(a, io), io.env);
    const r = await load.rollback().rollback({
      ...o,
      unit: a.unit as string,
      dryRun: a['dry-run'] as boolean,
      allowDataLoss: a['allow-data-loss'] as boolean,
      cascade: a.cascade as boolean,
      reapplyCheck: a['reapply-check'] as boolean,
    });
    const out = isJson(a) ? json(rollbackJson(r)) : a.format === 'markdown' ? renderRollbackMarkdown(r) : renderRollback(r);
    return withOut(a, out, { exitCode: r.error ? r.error.exitCode : 0, summary: `migrate rollback: ${r.ok ? 'ok' : 'FAILED'}`, error: r.error });
  },
  async baseline(a, io) {
    const r = await load.baseline().loadBaseline({ ...commonOptions(a, humanLog(a, io), io.env), dir: a.dir as string });
    return { out: isJson(a) ? json(r) : `loaded ${r.files.length} baseline files (${r.files.join(', ')}) in ${r.durationMs} ms\n`, exitCode: 0 };
  },
  async plan(a, io) {
    const r = await load.plan().plan({ ...commonOptions(a, humanLog(a, io), io.env), remediate: a.remediate as boolean });
    const render = load.planRender();
    const out = isJson(a) ? json(render.planJson(r)) : a.format === 'markdown' ? render.renderPlanMarkdown(r) : render.renderPlanText(r);
    return withOut(a, out, { exitCode: r.ready ? 0 : 3, summary: `plan ${r.ready ? 'READY' : 'BLOCKED'}` });
  },
  async rehearse(a, io) {
    const render = load.rehearseRender();
    const jsonMode = isJson(a);
    const r = await load.story().runRehearsal({
      ...commonOptions(a, humanLog(a, io), io.env),
      baselineDir: a['baseline-dir'] as string,
      schemaFrom: a['schema-from'] as string | undefined,
      keep: a.keep as boolean,
      reportPath: a.report as string,
      record: a.record as string | undefined,
      signal: io.signal,
      onStep: jsonMode ? undefined : (st) => io.stdout.write(render.renderStep(st)),
    });
    const out = jsonMode ? json(render.rehearseJson(r)) : render.renderVerdict(r);
    if (r.kept) {
      // --keep: the server stays up for exploring until Ctrl-C.
      io.stdout.write(out);
      if (io.signal) await new Promise((resolve) => io.signal!.addEventListener('abort', resolve, { once: true }));
      await r.kept.stop();
      return { out: '', exitCode: r.ok ? 0 : 1 };
    }
    return { out, exitCode: r.ok ? 0 : 1 };
  },
  async status(a, io) {
    const r = await load.status().status({ ...commonOptions(a, humanLog(a, io), io.env), migrationsOnly: a['migrations-only'] as boolean });
    return { out: isJson(a) ? json(statusJson(r)) : renderStatus(r), exitCode: 0 };
  },
  async verify(a, io) {
    const v = load.verify();
    const r = await v.verify({
      ...commonOptions(a, humanLog(a, io), io.env),
      readOnly: a['read-only'] as boolean,
      checkLockTimeoutMs: parseDuration(a['check-lock-timeout'] as string, 'check-lock-timeout'),
    });
    const outcome = v.verifyOutcome(r, isJson(a) ? 'json' : a.format === 'markdown' ? 'markdown' : 'text', a.out as string | undefined);
    return withOut(a, outcome.out, outcome);
  },
};

/** With --out FILE the rendering goes to the file and the terminal gets one line. */
function withOut(a: Record<string, unknown>, out: string, o: { exitCode: number; summary: string; error?: MigrateError }): Outcome {
  if (typeof a.out === 'string' && a.out) {
    writeOutput(a.out, out);
    return { out: `${o.summary}; written to ${a.out}\n`, exitCode: o.exitCode, error: o.error };
  }
  return { out, exitCode: o.exitCode, error: o.error };
}

/**
 * Readable log lines on stderr when asked for with --log-level, or on a terminal (progress
 * as it happens); otherwise the rendered result says it all once.
 */
function humanLog(a: CommonArgv & Record<string, unknown>, io: Io): NodeJS.WritableStream | undefined {
  if (io.argvHasLogLevel) return io.stderr;
  if (io.interactive && !isJson(a)) {
    a['log-level'] = 'info';
    return io.stderr;
  }
  return undefined;
}

function build(argv: string[], io: Io, chosen: { run?: () => Promise<Outcome> }): Argv {
  const on = (name: string) => (a: Record<string, unknown>) => {
    chosen.run = () => handlers[name](a as CommonArgv & Record<string, unknown>, io);
  };
  return commonFlags(yargs(argv))
    .scriptName('migrate')
    .command('up [target]', 'apply pending migrations from the migrations folder', (y) =>
      y.positional('target', { type: 'string', describe: 'stop after this unit' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'run everything in a transaction and roll it back' })
        .option('single-transaction', { type: 'boolean', default: false, describe: 'all units in one transaction' })
        .option('out', { type: 'string', describe: 'write the rendered result (--format text|json|markdown) to this file' }), on('up'))
    .command('remediate', 'run the remediation phases and the post-verification as one guarded sequence', (y) =>
      y.option('dry-run', { type: 'boolean', default: false, describe: 'execute everything in a transaction, report, roll it back' })
        .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'do not ask for confirmation on a terminal' })
        .option('skip', { type: 'string', array: true, describe: 'a unit not to run (e.g. 04-smoke-test-data)' })
        .option('to', { type: 'string', describe: 'stop after this phase' })
        .option('single-transaction', { type: 'boolean', default: false, describe: 'the whole sequence all-or-nothing' })
        .option('window-end', { type: 'string', describe: 'refuse to start a unit that cannot finish before this time (ISO time, or HH:MM today)' })
        .option('rehearsal', { type: 'string', describe: 'a rehearsal record (migrate rehearse --record): the plan must match it' })
        .option('rehearsal-max-age', { type: 'string', default: '7d', describe: 'how old the rehearsal record may be' })
        .option('out', { type: 'string', describe: 'write the rendered result (--format text|json|markdown) to this file' }), on('remediate'))
    .command('rollback <unit>', 'roll back one unit (a number prefix, a full name, or a phase)', (y) =>
      y.positional('unit', { type: 'string', demandOption: true })
        .option('dry-run', { type: 'boolean', default: false, describe: 'roll back inside a transaction, report, undo' })
        .option('allow-data-loss', { type: 'boolean', default: false, describe: 'proceed although the unit\'s tables hold rows' })
        .option('cascade', { type: 'boolean', default: false, describe: 'also roll back the units that depend on it, newest first' })
        .option('reapply-check', { type: 'boolean', default: true, describe: 'afterwards prove in a rolled-back transaction that it applies again' })
        .option('out', { type: 'string', describe: 'write the rendered result (--format text|json|markdown) to this file' }), on('rollback'))
    .command('baseline', 'load the pre-remediation state (a folder of .sql files) into a database', (y) =>
      y.option('dir', { type: 'string', default: 'database/baseline', describe: 'folder of .sql files, loaded in name order in one transaction' }), on('baseline'))
    .command('plan', 'read-only: what `up` (or --remediate) would do, what it needs, what blocks it', (y) =>
      y.option('remediate', { type: 'boolean', default: false, describe: 'plan the remediation phases instead of the migrations folder' })
        .option('out', { type: 'string', describe: 'write the rendered plan to this file' }), on('plan'))
    .command('rehearse', 'the whole story on an embedded PostgreSQL it starts and removes itself', (y) =>
      y.option('baseline-dir', { type: 'string', default: 'database/baseline', describe: 'the pre-remediation state to start from' })
        .option('schema-from', { type: 'string', describe: 'rehearse on a copy of this database\'s schema (needs pg_dump)' })
        .option('keep', { type: 'boolean', default: false, describe: 'leave the server running afterwards (until Ctrl-C)' })
        .option('report', { type: 'string', default: '.rehearsal/verification-report.md', describe: 'where the Markdown verification report goes' })
        .option('record', { type: 'string', describe: 'write a rehearsal record for `remediate --rehearsal`' }), on('rehearse'))
    .command('status', 'every unit: applied, pending, drifted, adopted', (y) =>
      y.option('migrations-only', { type: 'boolean', default: false, describe: 'only the migrations folder' }), on('status'))
    .command('verify', 'the eight validation tasks; exit 4 unless approved (--format text|json|markdown)', (y) =>
      y.option('out', { type: 'string', describe: 'write the report to this file and print a one-line summary' })
        .option('read-only', { type: 'boolean', default: false, describe: 'skip the checks that write (behaviour files, rollback rehearsal)' })
        .option('check-lock-timeout', { type: 'string', default: '2s', describe: 'lock_timeout of the checks: a busy table reports "busy" instead of waiting' }), on('verify'))
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false);
}

/** Runs the CLI on an argv array; returns the exit code. Never calls process.exit. */
export async function main(argv: string[], io: Io): Promise<number> {
  const chosen: { run?: () => Promise<Outcome> } = {};
  io = { ...io, argvHasLogLevel: argv.some((x) => x === '--log-level' || x.startsWith('--log-level=')) };
  const debug = argv.includes('--log-level=debug') || argv.includes('--log-level=trace') || /--log-level\s+(debug|trace)/.test(argv.join(' '));
  const wantsJson = argv.includes('--json') || argv.includes('--format=json') || argv.join(' ').includes('--format json');
  try {
    let helpText = '';
    let parseError: Error | undefined;
    await new Promise<void>((resolve) => {
      build(argv, io, chosen).parse(argv, {}, (err, _args, output) => {
        if (err) parseError = err;
        helpText = output;
        resolve();
      });
    });
    if (parseError) throw new UsageError(parseError.message, 'see migrate --help');
    if (!chosen.run) {
      io.stdout.write(helpText.endsWith('\n') ? helpText : helpText + '\n');
      return 0;
    }
    const outcome = await chosen.run();
    io.stdout.write(outcome.out);
    if (outcome.error && !wantsJson) reportError(outcome.error, io, debug);
    return outcome.exitCode;
  } catch (err) {
    const e = err instanceof MigrateError ? err : undefined;
    if (wantsJson && e) io.stdout.write(json({ ok: false, error: errorJson(e) }));
    else reportError(err, io, debug);
    return e ? e.exitCode : 1;
  }
}

function reportError(err: unknown, io: Io, debug: boolean): void {
  const e = err as Error & { hint?: string; details?: string[] };
  const known = err instanceof MigrateError;
  io.stderr.write(`error: ${redactUrl(known ? e.message : `unexpected: ${e?.message ?? String(err)}`)}\n`);
  for (const d of e.details ?? []) io.stderr.write(`  - ${redactUrl(d)}\n`);
  if (e.hint) io.stderr.write(`hint: ${e.hint}\n`);
  if (debug && e?.stack) io.stderr.write(`${e.stack}\n`);
  else if (!known) io.stderr.write('hint: run again with --log-level debug for the stack trace\n');
}
