import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BlockedError, UsageError } from '../errors';
import type { Unit } from './units';

/** What a staging rehearsal proved, so the production run can be tied to it. */
export interface RehearsalRecord {
  format: 'migrate-rehearsal/1';
  createdAt: string;
  /** sha256 over the sequence's unit names and checksums, in order. */
  planHash: string;
  serverVersion: string;
  runnerVersion: string;
  /**
   * Per unit: its duration, the time it waited for locks (measured from the lock connection),
   * and the locks it takes on tables that already existed: what live traffic would wait on.
   */
  units: Array<{ name: string; checksum: string; durationMs: number; action: string; lockWaitMs?: number; locks?: Array<{ table: string; lock: string; line: number }> }>;
}

export function planHash(units: readonly Unit[]): string {
  const h = createHash('sha256');
  for (const u of units) h.update(`${u.name}\0${u.checksum}\0${u.down ? createHash('sha256').update(u.down.text).digest('hex') : '-'}\n`);
  return h.digest('hex');
}

export function writeRecord(file: string, record: RehearsalRecord): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
}

export function readRecord(file: string): RehearsalRecord {
  let parsed: RehearsalRecord;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as RehearsalRecord;
  } catch (err) {
    throw new UsageError(`cannot read rehearsal record ${file}: ${(err as Error).message}`, 'pass the file written by `migrate rehearse --record FILE`');
  }
  if (parsed?.format !== 'migrate-rehearsal/1' || !Array.isArray(parsed.units) || typeof parsed.planHash !== 'string') {
    throw new UsageError(`${file} is not a rehearsal record`, 'pass the file written by `migrate rehearse --record FILE`');
  }
  return parsed;
}

/** Refuses (exit 3) when the plan is not the rehearsed one or the rehearsal is too old. */
export function checkRecord(record: RehearsalRecord, units: readonly Unit[], maxAgeMs: number, now = new Date()): void {
  const problems: string[] = [];
  if (record.planHash !== planHash(units)) {
    const rehearsed = new Map(record.units.map((u) => [u.name, u.checksum]));
    for (const u of units) {
      if (!rehearsed.has(u.name)) problems.push(`${u.name} was not rehearsed`);
      else if (rehearsed.get(u.name) !== u.checksum) problems.push(`${u.name} changed since the rehearsal`);
    }
    for (const name of rehearsed.keys()) if (!units.some((u) => u.name === name)) problems.push(`${name} was rehearsed but is no longer in the plan`);
    if (problems.length === 0) problems.push('the plan differs from the rehearsed one (a down step changed)');
  }
  const age = now.getTime() - new Date(record.createdAt).getTime();
  if (!(age >= 0 && age <= maxAgeMs)) problems.push(`the rehearsal is from ${record.createdAt}, older than ${Math.round(maxAgeMs / 3600000)} h`);
  if (problems.length) throw new BlockedError(`the rehearsal record does not cover this run: ${problems.join('; ')}`, 'rehearse again on staging (`migrate rehearse --schema-from URL --record FILE`)', problems);
}

export function estimates(record: RehearsalRecord): (unit: Unit) => number | undefined {
  const byName = new Map(record.units.map((u) => [u.name, u.durationMs]));
  return (unit) => byName.get(unit.name);
}
