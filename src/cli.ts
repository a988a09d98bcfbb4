// yargs/yargs, not the `yargs` singleton: requiring that builds a parser of process.argv we never use.
import yargs from 'yargs/yargs';
import { COMMANDS } from './commands';
import { applyConfig, loadConfig } from './commands/config-file';
import { globalFlags, type GlobalArgv } from './commands/flags';
import type { Io, Outcome } from './commands/io';
import { MigrateError, UsageError } from './errors';
import { errorJson, json } from './render/run';
import { RUNNER_VERSION } from './version';

export type { Io } from './commands/io';

/**
 * Runs the CLI on an argv array and returns the exit code; never calls process.exit. It only
 * dispatches: each command module owns its flags, options, handler and rendering. Every
 * error ends here as one line and a hint (a stack trace only with --log-level debug).
 */
export async function main(argv: string[], io: Io): Promise<number> {
  let run: (() => Promise<Outcome>) | undefined;
  let parsed: Partial<GlobalArgv> & Record<string, unknown> = {};
  let help = '';
  let parseError: Error | undefined;
  const config = loadConfig(argv, process.cwd());
  const cli = globalFlags(yargs(argv))
    .scriptName('migrate')
    .strict()
    .recommendCommands()
    .help()
    .version(false)
    .option('version', { type: 'boolean', describe: 'print the version and exit' })
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false);
  skipHelpCache(cli);
  for (const c of COMMANDS) {
    cli.command(c.command, c.describe, (y) => applyConfig(c.load().builder(y).example(c.examples.map(([cmd, what]) => [cmd, what])), config), (a) => {
      run = () => c.load().handler(a, io);
    });
  }
  await new Promise<void>((resolve) => {
    cli.parse(argv, {}, (err, a, output) => {
      parseError = err ?? undefined;
      parsed = (a ?? {}) as typeof parsed;
      help = output;
      resolve();
    });
  });
  const wantsJson = parsed.json === true || parsed.format === 'json';
  const debug = parsed['log-level'] === 'debug' || parsed['log-level'] === 'trace';
  try {
    if (config.error && run) throw config.error;
    if (parseError) throw new UsageError(parseError.message, /Did you mean .*\?/.exec(help)?.[0] ?? 'see migrate --help');
    if (!run) {
      if (parsed.version) io.stdout.write(`${RUNNER_VERSION}\n`);
      else if (parsed.help) io.stdout.write(help.endsWith('\n') ? help : help + '\n');
      else throw new UsageError('name a command', 'see migrate --help');
      return 0;
    }
    const outcome = await run();
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

/**
 * After parsing a command line that runs a command, yargs lays out that command's whole help
 * (cliui, every option wrapped) and keeps it, in case the handler shows it: ours never do,
 * help is printed only for --help, from parse's output, laid out then. Skipping the cache
 * saves that layout on every run; where yargs does not have the method, nothing changes.
 */
function skipHelpCache(cli: unknown): void {
  const usage = (cli as { getInternalMethods?(): { getUsageInstance?(): { cacheHelpMessage?: () => void } } }).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

function reportError(err: unknown, io: Io, debug: boolean): void {
  // Loaded only for an error, so `--help` does not load the connection-string parsers.
  const { redactUrl } = require('./db/settings') as typeof import('./db/settings');
  const e = err as Error & { hint?: string; details?: string[] };
  const known = err instanceof MigrateError;
  io.stderr.write(`error: ${redactUrl(known ? e.message : `unexpected: ${e?.message ?? String(err)}`)}\n`);
  for (const d of e.details ?? []) io.stderr.write(`  - ${redactUrl(d)}\n`);
  if (e.hint) io.stderr.write(`hint: ${e.hint}\n`);
  if (debug && e?.stack) io.stderr.write(`${redactUrl(e.stack)}\n`);
  else if (!known) io.stderr.write('hint: run again with --log-level debug for the stack trace\n');
}
