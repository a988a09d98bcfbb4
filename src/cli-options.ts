import type { Argv } from 'yargs';
import type { CommonOptions } from './commands/common';
import { DEFAULTS } from './commands/common';
import { UsageError } from './errors';
import { createLogger, type LogLevel } from './log';

/** Flags every command takes, declared once. */
export interface CommonArgv {
  'database-url'?: string;
  'migrations-dir': string;
  'phases-dir': string;
  'lock-wait': string;
  'lock-timeout': string;
  'statement-timeout': string;
  json: boolean;
  format?: string;
  'log-level': LogLevel;
  'log-file'?: string;
}

export function commonFlags<T>(y: Argv<T>): Argv<T & CommonArgv> {
  return y
    .option('database-url', { type: 'string', describe: 'postgres://user@host:port/db (else DATABASE_URL, else PG* variables)' })
    .option('migrations-dir', { type: 'string', default: DEFAULTS.migrationsDir, describe: 'folder of NNNN_name.sql migrations' })
    .option('phases-dir', { type: 'string', default: DEFAULTS.phasesDir, describe: 'folder of NN-name phase folders' })
    .option('lock-wait', { type: 'string', default: '5s', describe: 'how long to wait for another runner before exit 5' })
    .option('lock-timeout', { type: 'string', default: DEFAULTS.timeouts.lockTimeout, describe: 'SET LOCAL lock_timeout for each unit' })
    .option('statement-timeout', { type: 'string', default: '0', describe: 'SET LOCAL statement_timeout for each unit (0 = none)' })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' })
    .option('format', { type: 'string', describe: 'text (default), json or markdown' })
    .option('log-level', { choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, default: 'warn' as LogLevel, describe: 'readable log lines on stderr' })
    .option('log-file', { type: 'string', describe: 'also write pino JSON lines here' }) as unknown as Argv<T & CommonArgv>;
}

/** "5s", "500ms", "2min", "10" (seconds) → milliseconds; also validates the timeouts' syntax. */
export function parseDuration(value: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|min|m|h|d)?\s*$/i.exec(value);
  if (!m) throw new UsageError(`--${flag} "${value}" is not a duration`, 'use e.g. 500ms, 5s, 2min');
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  return Math.round(n * ({ ms: 1, s: 1000, sec: 1000, m: 60000, min: 60000, h: 3600000, d: 86400000 } as Record<string, number>)[unit]);
}

/** PostgreSQL accepts '5s' and '500ms' and '0'; pass a normalized millisecond count. */
function pgTimeout(value: string, flag: string): string {
  return `${parseDuration(value, flag)}ms`;
}

export function isJson(a: CommonArgv): boolean {
  if (a.format !== undefined && a.format !== 'json' && a.format !== 'text' && a.format !== 'markdown') {
    throw new UsageError(`--format "${a.format}" is not one of text, json, markdown`);
  }
  return a.json || a.format === 'json';
}

export function commonOptions(a: CommonArgv, human: NodeJS.WritableStream | undefined, env: NodeJS.ProcessEnv): CommonOptions {
  const errors: string[] = [];
  const attempt = <T>(f: () => T, fallback: T): T => {
    try {
      return f();
    } catch (e) {
      errors.push((e as Error).message);
      return fallback;
    }
  };
  const lockWaitMs = attempt(() => parseDuration(a['lock-wait'], 'lock-wait'), 0);
  const lockTimeout = attempt(() => pgTimeout(a['lock-timeout'], 'lock-timeout'), '0');
  const statementTimeout = attempt(() => pgTimeout(a['statement-timeout'], 'statement-timeout'), '0');
  if (errors.length) throw new UsageError(errors.join('; '), 'durations look like 500ms, 5s, 2min');
  return {
    databaseUrl: a['database-url'],
    migrationsDir: a['migrations-dir'],
    phasesDir: a['phases-dir'],
    lockWaitMs,
    timeouts: { lockTimeout, statementTimeout },
    log: createLogger({ level: a['log-level'], file: a['log-file'], human }),
    env,
  };
}

/** "2026-11-26T02:30:00Z", or "02:30" meaning the next such time today (local). */
export function parseWindowEnd(value: string, now = new Date()): Date {
  const hm = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (hm) {
    const d = new Date(now);
    d.setHours(Number(hm[1]), Number(hm[2]), 0, 0);
    return d;
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--window-end "${value}" is not a time`, 'use an ISO time such as 2026-11-26T02:30:00Z, or HH:MM');
  return d;
}
