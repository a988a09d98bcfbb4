import yargs, { type Argv } from 'yargs';
import { commonFlags, commonOptions, isJson, type CommonArgv } from './cli-options';
import { status } from './commands/status';
import { up } from './commands/up';
import { MigrateError, UsageError } from './errors';
import { redactUrl } from './db/settings';
import { errorJson, json, sequenceJson, statusJson } from './render/json';
import { renderSequence, renderStatus } from './render/text';
import type { SequenceResult } from './engine/sequence';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Whether a person is at a terminal (prompts, readable logs). */
  interactive: boolean;
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

function sequenceOutcome(a: CommonArgv, title: string, r: SequenceResult): Outcome {
  return { out: isJson(a) ? json(sequenceJson(r)) : renderSequence(title, r), exitCode: r.error ? r.error.exitCode : 0, error: r.error };
}

const handlers: Record<string, Handler> = {
  async up(a, io) {
    const o = commonOptions(a, humanLog(a, io), io.env);
    const r = await up({ ...o, target: a.target as string | undefined, dryRun: a['dry-run'] as boolean, singleTransaction: a['single-transaction'] as boolean });
    return sequenceOutcome(a, 'migrate up', r);
  },
  async status(a, io) {
    const r = await status({ ...commonOptions(a, humanLog(a, io), io.env), migrationsOnly: a['migrations-only'] as boolean });
    return { out: isJson(a) ? json(statusJson(r)) : renderStatus(r), exitCode: 0 };
  },
};

/** Readable log lines only when asked for: by default the rendered result says it all once. */
function humanLog(a: CommonArgv & Record<string, unknown>, io: Io): NodeJS.WritableStream | undefined {
  return io.argvHasLogLevel ? io.stderr : undefined;
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
        .option('single-transaction', { type: 'boolean', default: false, describe: 'all units in one transaction' }), on('up'))
    .command('status', 'every unit: applied, pending, drifted, adopted', (y) =>
      y.option('migrations-only', { type: 'boolean', default: false, describe: 'only the migrations folder' }), on('status'))
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
