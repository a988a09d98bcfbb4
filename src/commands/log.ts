import type { Argv } from 'yargs';
import { historyLog, type LogEntry } from '../engine/history-log';
import { resolveUnit } from '../engine/units';
import { UsageError } from '../errors';
import { json } from '../render/run';
import { allUnits, withDatabase, type CommonOptions } from './common';
import { commonOptions, formatOf, outputFlags, type GlobalArgv, type OutputArgv } from './flags';
import type { Io, Outcome } from './io';
import { emit } from './outcome';

export interface LogOptions extends CommonOptions {
  limit?: number;
  /** A unit's full name or version prefix; a name no file holds any more is looked up as it is. */
  unit?: string;
}

export interface LogResult {
  database: string;
  events: LogEntry[];
}

/** `migrate log`: the history, newest first. Read-only; never creates the history schema. */
export async function log(o: LogOptions): Promise<LogResult> {
  const unit = o.unit === undefined ? undefined : unitName(o);
  return withDatabase(o, async ({ session, settings }) => ({ database: settings.display, events: await historyLog(session, { limit: o.limit, unit }) }));
}

function unitName(o: LogOptions): string {
  try {
    return resolveUnit(allUnits(o), o.unit!).name;
  } catch (err) {
    if (err instanceof UsageError && /^unknown unit/.test(err.message)) return o.unit!;
    throw err;
  }
}

type LogArgv = GlobalArgv & OutputArgv & { limit?: number; unit?: string };

export function builder(y: Argv): Argv {
  return outputFlags(y)
    .option('limit', { type: 'number', describe: 'the newest N events only' })
    .option('unit', { type: 'string', describe: 'only this unit\'s events (full name or version prefix)' });
}

export async function handler(a: LogArgv, io: Io): Promise<Outcome> {
  if (a.limit !== undefined && !(Number.isInteger(a.limit) && a.limit > 0)) throw new UsageError(`--limit ${a.limit} is not a positive whole number`);
  const r = await log({ ...commonOptions(a, io), limit: a.limit, unit: a.unit });
  return emit(a, formatOf(a) === 'json' ? json(r) : renderLog(r), { exitCode: 0, summary: `migrate log: ${r.events.length} event(s)` });
}

export function renderLog(r: LogResult): string {
  const lines = [`history of ${r.database}, newest first`];
  if (r.events.length === 0) lines.push('  (no events)');
  const width = Math.max(10, ...r.events.map((e) => e.unit.length));
  for (const e of r.events) {
    const took = e.durationMs != null ? `  ${e.durationMs} ms` : '';
    lines.push(`  ${e.at}  ${e.event.padEnd(11)} ${e.unit.padEnd(width)}  run ${e.runId.slice(0, 8)}  by ${e.dbUser}${e.clientHost ? ` from ${e.clientHost}` : ''}${took}${noteOf(e)}`);
  }
  return lines.join('\n') + '\n';
}

/** What an event's detail adds that a reader looks for: the error, the repair, where an import came from. */
function noteOf(e: LogEntry): string {
  const d = e.detail ?? {};
  if (e.event === 'failed' && d.error) return `  (${String(d.error)})`;
  if (e.event === 'repaired') return `  (checksum ${String(d.oldChecksum ?? '?').slice(0, 12)} → ${String(d.newChecksum ?? '?').slice(0, 12)})`;
  if (e.event === 'imported') return `  (from ${String(d.from)})`;
  return '';
}
