import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../errors';
import { createLogger, type LogLevel } from '../log';
import type { CommonOptions } from './common';
import { DEFAULTS } from './defaults';
import type { Io } from './io';
import type { OutputFormat } from '../render/run';
import { unwritableReason } from '../render/output';

export type { OutputFormat };

/**
 * The flag groups, each declared once. Global flags are taken by every command; the other
 * groups are added by the commands they concern (see each command's builder).
 */
export interface GlobalArgv {
  'database-url'?: string;
  'migrations-dir'?: string;
  'phases-dir'?: string;
  json: boolean;
  format?: 'text' | 'json' | 'markdown';
  'log-level'?: LogLevel;
  'log-file'?: string;
  'connection-timeout'?: string;
  config?: string;
}

export interface OutputArgv {
  out?: string;
}

export interface GuardArgv {
  'lock-wait': string;
  'lock-timeout': string;
  'statement-timeout': string;
}

export interface ConfirmArgv {
  yes: boolean;
}

export interface DryRunArgv {
  'dry-run': boolean;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function globalFlags<T>(y: Argv<T>): Argv<T & GlobalArgv> {
  return y
    .option('database-url', { type: 'string', describe: 'postgres://user@host:port/db (else DATABASE_URL, else PG* variables)' })
    .option('migrations-dir', { type: 'string', describe: `folder of migrations (default ${DEFAULTS.migrationsDir})` })
    .option('phases-dir', { type: 'string', describe: `folder of NN-name phase folders (default ${DEFAULTS.phasesDir}, used only with the default migrations folder)` })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable output (same as --format json)' })
    .option('format', { choices: ['text', 'json', 'markdown'] as const, describe: 'text (default), json or markdown' })
    .option('log-level', { choices: LOG_LEVELS, describe: 'readable log lines on stderr (default: progress on a terminal, nothing otherwise)' })
    .option('log-file', { type: 'string', describe: 'also write pino JSON lines here (at least info)' })
    .option('config', { type: 'string', describe: 'settings file: flags in camelCase, as JSON (default ./migrate.config.json when present); flags win over it, it wins over the environment' })
    .option('connection-timeout', { type: 'string', describe: `the longest wait on a silent network: to connect, and for an answer the server is not working on; the server ends a runner session whose client vanished in about as long (default ${DEFAULTS.connectionTimeoutMs / 1000}s; docs/RELIABILITY.md)` }) as unknown as Argv<T & GlobalArgv>;
}

export function outputFlags<T>(y: Argv<T>): Argv<T & OutputArgv> {
  return y.option('out', { type: 'string', describe: 'write the rendered result (in --format) to this file; print one line' }) as unknown as Argv<T & OutputArgv>;
}

export function guardFlags<T>(y: Argv<T>): Argv<T & GuardArgv> {
  return y
    .option('lock-wait', { type: 'string', default: '5s', describe: 'how long to wait for another runner before exit 5' })
    .option('lock-timeout', { type: 'string', default: DEFAULTS.timeouts.lockTimeout, describe: 'SET LOCAL lock_timeout for each unit' })
    .option('statement-timeout', { type: 'string', default: '0', describe: 'SET LOCAL statement_timeout for each unit (0 = none)' }) as unknown as Argv<T & GuardArgv>;
}

export function confirmFlags<T>(y: Argv<T>): Argv<T & ConfirmArgv> {
  return y.option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'do not ask for confirmation (needed without a terminal)' }) as unknown as Argv<T & ConfirmArgv>;
}

export function dryRunFlag<T>(y: Argv<T>, describe: string): Argv<T & DryRunArgv> {
  return y.option('dry-run', { type: 'boolean', default: false, describe }) as unknown as Argv<T & DryRunArgv>;
}


export function formatOf(a: GlobalArgv): OutputFormat {
  return a.json ? 'json' : a.format ?? 'text';
}

/** "5s", "500ms", "2min", "10" (seconds) → milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|min|m|h|d)?\s*$/i.exec(value);
  if (!m) throw new UsageError(`--${flag} "${value}" is not a duration`, 'use e.g. 500ms, 5s, 2min');
  const unit = (m[2] ?? 's').toLowerCase();
  return Math.round(Number(m[1]) * ({ ms: 1, s: 1000, sec: 1000, m: 60000, min: 60000, h: 3600000, d: 86400000 } as Record<string, number>)[unit]);
}

/**
 * Where units come from. Phases come from --phases-dir, or from the default folder only when
 * the migrations folder is the default one too: another project's migrations never drag in
 * this project's phases, and a project without a phases folder simply has none.
 */
export function unitFolders(a: GlobalArgv, cwd = process.cwd()): { migrationsDir: string; phasesDir?: string } {
  const migrationsDir = a['migrations-dir'] ?? DEFAULTS.migrationsDir;
  if (a['phases-dir'] !== undefined) return { migrationsDir, phasesDir: a['phases-dir'] };
  const defaultMigrations = path.resolve(cwd, migrationsDir) === path.resolve(cwd, DEFAULTS.migrationsDir);
  const phasesDir = path.resolve(cwd, DEFAULTS.phasesDir);
  return { migrationsDir, phasesDir: defaultMigrations && existsSync(phasesDir) ? DEFAULTS.phasesDir : undefined };
}

/**
 * The options every command's library function takes, from the global flags (and the guard
 * flags where the command has them). Every bad value is reported at once, before connecting;
 * a --out or --log-file that cannot be written among them, so nothing runs that cannot report.
 */
/** The file flags among `flags` whose file cannot be written, each as a problem to report. */
export function unwritable(a: object, flags: string[]): Array<{ message: string; hint: string }> {
  const values = a as Record<string, unknown>;
  return flags.flatMap((flag) => {
    const file = values[flag];
    const why = typeof file === 'string' && file ? unwritableReason(file) : undefined;
    return why ? [{ message: `--${flag} ${file} cannot be written: ${why}`, hint: 'name a file in a folder this user may write to' }] : [];
  });
}

export function commonOptions(a: GlobalArgv & Partial<GuardArgv> & OutputArgv, io: Io, runId?: string): CommonOptions {
  const problems: Array<{ message: string; hint?: string }> = [];
  const attempt = <T>(f: () => T, fallback: T): T => {
    try {
      return f();
    } catch (e) {
      problems.push({ message: (e as Error).message, hint: (e as UsageError).hint });
      return fallback;
    }
  };
  const lockWaitMs = a['lock-wait'] === undefined ? DEFAULTS.lockWaitMs : attempt(() => parseDuration(a['lock-wait']!, 'lock-wait'), 0);
  const lockTimeout = a['lock-timeout'] === undefined ? DEFAULTS.timeouts.lockTimeout : attempt(() => `${parseDuration(a['lock-timeout']!, 'lock-timeout')}ms`, '0');
  const statementTimeout = a['statement-timeout'] === undefined ? DEFAULTS.timeouts.statementTimeout : attempt(() => `${parseDuration(a['statement-timeout']!, 'statement-timeout')}ms`, '0');
  const connectionTimeoutMs = a['connection-timeout'] === undefined ? DEFAULTS.connectionTimeoutMs : attempt(() => parseDuration(a['connection-timeout']!, 'connection-timeout'), DEFAULTS.connectionTimeoutMs);
  if (connectionTimeoutMs < 1000) problems.push({ message: `--connection-timeout "${a['connection-timeout']}" is below 1s`, hint: 'durations look like 500ms, 5s, 2min' });
  problems.push(...unwritable(a, ['out', 'log-file']));
  if (problems.length) throw new UsageError(problems.map((p) => p.message).join('; '), [...new Set(problems.map((p) => p.hint).filter(Boolean))].join('; '));
  const logTo = { ...logSettings(a, io), runId };
  const log = createLogger(logTo);
  // On stderr once: through the log when it shows warnings there, else as a line of its own.
  const warnsOnScreen = logTo.human !== undefined && ['trace', 'debug', 'info', 'warn'].includes(logTo.level);
  return {
    databaseUrl: a['database-url'],
    ...unitFolders(a),
    lockWaitMs,
    timeouts: { lockTimeout, statementTimeout },
    connectionTimeoutMs,
    log,
    warn: (message) => {
      log.warn({}, message);
      if (!warnsOnScreen) io.stderr.write(`warning: ${message}\n`);
    },
    env: io.env,
    runId,
  };
}

/**
 * Readable log lines on stderr: at the level asked for, or progress (info) on a terminal
 * outside JSON mode, or nothing; the log file records at least info either way.
 */
function logSettings(a: GlobalArgv, io: Io): Parameters<typeof createLogger>[0] {
  if (a['log-level'] !== undefined) return { level: a['log-level'], file: a['log-file'], human: io.stderr };
  const progress = io.interactive && formatOf(a) !== 'json';
  return { level: progress ? 'info' : 'silent', file: a['log-file'], human: progress ? io.stderr : undefined };
}
