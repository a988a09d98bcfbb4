import type { Argv } from 'yargs';
import { UsageError } from '../errors';

/** The flags of the commands that run units in sequence (`up`, `remediate`). */
export interface SequenceArgv {
  'single-transaction': boolean;
  'window-end'?: string;
}

export function sequenceFlags<T>(y: Argv<T>): Argv<T & SequenceArgv> {
  return y
    .option('single-transaction', { type: 'boolean', default: false, describe: 'all units in one transaction: all or nothing' })
    .option('window-end', { type: 'string', describe: 'refuse to start a unit that cannot finish before this time (ISO time, or HH:MM: the next such clock time)' }) as unknown as Argv<T & SequenceArgv>;
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
