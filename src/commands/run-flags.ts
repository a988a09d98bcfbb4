import type { Argv } from 'yargs';
import type { LockRetry } from '../engine/execute/retry';
import { MAX_BACKOFF_MS } from '../engine/execute/retry';
import { UsageError } from '../errors';
import { parseDuration } from './flags';

/** The flags of the commands that run units in sequence (`up`, `remediate`). */
export interface SequenceArgv {
  'single-transaction': boolean;
  'window-end'?: string;
  'lock-timeout': string;
  'lock-retries': number;
  'lock-backoff': string;
}

/**
 * Giving way to live traffic (docs/RELIABILITY.md): a short lock_timeout per attempt, so
 * application statements queue behind a waiting runner for at most that long, then a pause
 * that doubles from --lock-backoff up to 10 s. With the defaults a unit (or the wait for a
 * blocker before the first change) gives up after at most 9 × 0.5 s + 45.5 s = 50 s.
 */
export const SEQUENCE_LOCK_DEFAULTS = { lockTimeout: '500ms', retries: 8, backoff: '500ms' };

export function sequenceFlags<T>(y: Argv<T>): Argv<T & SequenceArgv> {
  return y
    .option('single-transaction', { type: 'boolean', default: false, describe: 'all units in one transaction: all or nothing' })
    .option('window-end', { type: 'string', describe: 'refuse to start a unit that cannot finish before this time (ISO time, or HH:MM: the next such clock time)' })
    .option('lock-timeout', { type: 'string', default: SEQUENCE_LOCK_DEFAULTS.lockTimeout, describe: 'lock_timeout of each attempt of a unit: how long application statements may queue behind it' })
    .option('lock-retries', { type: 'number', default: SEQUENCE_LOCK_DEFAULTS.retries, describe: 'times a unit that hit a lock timeout or a deadlock is rolled back and tried again, before exit 5' })
    .option('lock-backoff', { type: 'string', default: SEQUENCE_LOCK_DEFAULTS.backoff, describe: `the pause before the first retry; it doubles each time, up to ${MAX_BACKOFF_MS / 1000}s` }) as unknown as Argv<T & SequenceArgv>;
}

/** --lock-timeout, --lock-retries and --lock-backoff as the executors take them. */
export function lockRetryOf(a: SequenceArgv): LockRetry {
  const retries = Number(a['lock-retries']);
  if (!Number.isInteger(retries) || retries < 0 || retries > 1000) throw new UsageError(`--lock-retries "${a['lock-retries']}" is not a whole number from 0 to 1000`, 'e.g. --lock-retries 8 (0: never retry)');
  return { retries, backoffMs: parseDuration(a['lock-backoff'], 'lock-backoff'), lockTimeoutMs: parseDuration(a['lock-timeout'], 'lock-timeout') };
}

/**
 * "2026-11-26T02:30:00Z", or "HH:MM" meaning the next such local clock time, so a window
 * started at 23:50 may end at 02:30. A time already past is kept as it is: the run then
 * refuses its first unit (exit 3) and changes nothing.
 */
export function parseWindowEnd(value: string, now = new Date()): Date {
  const hm = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (hm) {
    const [h, m] = [Number(hm[1]), Number(hm[2])];
    if (h > 23 || m > 59) throw new UsageError(`--window-end "${value}" is not a clock time`, 'HH:MM runs from 00:00 to 23:59');
    const d = new Date(now);
    d.setHours(h, m, 0, 0);
    if (d.getTime() <= now.getTime()) d.setDate(d.getDate() + 1);
    return d;
  }
  const d = /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--window-end "${value}" is not a time`, 'use HH:MM (the next such clock time) or an ISO time such as 2026-11-26T02:30:00Z');
  return d;
}
