import type { Argv } from 'yargs';
import { History, isApplied, type LastAttempt } from '../engine/history';
import type { Unit } from '../engine/units';
import { allUnitsInTurns, withDatabase, type CommonOptions } from './common';
import { commonOptions, formatOf, outputFlags, type GlobalArgv, type OutputArgv } from './flags';
import type { Io, Outcome } from './io';
import { emit } from './outcome';
import { json } from '../render/run';

export type UnitState = 'applied' | 'pending' | 'drifted' | 'adopted' | 'imported';

export interface StatusUnit {
  name: string;
  kind: Unit['kind'];
  title: string;
  state: UnitState;
  appliedAt: string | null;
  appliedBy: string | null;
  durationMs: number | null;
  /** The file's checksum now; for drifted units appliedChecksum says what was applied. */
  checksum: string;
  appliedChecksum: string | null;
  hasDown: boolean;
  rolledBackAt: string | null;
  /** The unit's latest attempt in the history (a pending unit's may have failed), null when none. */
  lastAttempt: LastAttempt['event'] | null;
  lastAttemptAt: string | null;
  /** The error of a failed last attempt, and which step it ran. */
  lastError: string | null;
  lastDirection: LastAttempt['direction'];
  /** Failed attempts in a row, the last one included (0 unless the last attempt failed). */
  failedAttempts: number;
}

export interface StatusResult {
  database: string;
  units: StatusUnit[];
  /** Units in the history that no file describes any more. */
  unknown: string[];
}

export interface StatusOptions extends CommonOptions {
  /** Only the migrations folder, as `up` sees it. */
  migrationsOnly?: boolean;
}

/** `migrate status`: read-only; never creates the history schema. */
export async function status(o: StatusOptions): Promise<StatusResult> {
  // The history is asked for while the files are read (in slices that let the connection
  // open and the answer arrive meanwhile), so the server's work overlaps the reading. A
  // missing folder is refused before connecting; a file that cannot be read is still the
  // error reported (the connection then closes by itself once the history is read).
  // Down steps are not read: status shows only whether a unit has one.
  const readUnits = allUnitsInTurns(o, { phases: !o.migrationsOnly, lazyDowns: true });
  const history = withDatabase(o, async ({ session, settings }) => ({ database: settings.display, ...(await History.read(session)) }));
  history.catch(() => undefined);
  const units = await readUnits();
  const { database, states, attempts } = await history;
  const known = new Set(units.map((u) => u.name));
  return {
    database,
    units: units.map((u): StatusUnit => {
      const r = states.get(u.name);
      const applied = isApplied(r);
      const state: UnitState = !applied ? 'pending' : r!.checksum && r!.checksum !== u.checksum ? 'drifted' : r!.event === 'adopted' || r!.event === 'imported' ? r!.event : 'applied';
      return {
        name: u.name, kind: u.kind, title: u.title, state,
        appliedAt: applied ? r!.at : null, appliedBy: applied ? r!.dbUser : null, durationMs: applied ? r!.durationMs : null,
        checksum: u.checksum, appliedChecksum: applied ? r!.checksum : null, hasDown: !!u.down,
        rolledBackAt: r?.event === 'rolled_back' ? r.at : null,
        ...lastAttemptOf(attempts.get(u.name)),
      };
    }),
    unknown: [...states.values()].filter((r) => isApplied(r) && !known.has(r.unit)).map((r) => r.unit),
  };
}

function lastAttemptOf(a: LastAttempt | undefined): Pick<StatusUnit, 'lastAttempt' | 'lastAttemptAt' | 'lastError' | 'lastDirection' | 'failedAttempts'> {
  return { lastAttempt: a?.event ?? null, lastAttemptAt: a?.at ?? null, lastError: a?.error ?? null, lastDirection: a?.direction ?? null, failedAttempts: a?.failures ?? 0 };
}

type StatusArgv = GlobalArgv & OutputArgv & { 'migrations-only': boolean };

export function builder(y: Argv): Argv {
  return outputFlags(y).option('migrations-only', { type: 'boolean', default: false, describe: 'only the migrations folder, as `up` sees it' });
}

export async function handler(a: StatusArgv, io: Io): Promise<Outcome> {
  const r = await status({ ...commonOptions(a, io), migrationsOnly: a['migrations-only'] });
  const pending = r.units.filter((u) => u.state === 'pending').length;
  return emit(a, formatOf(a) === 'json' ? json(statusJson(r)) : renderStatus(r), { exitCode: 0, summary: `migrate status: ${r.units.length - pending} applied, ${pending} pending` });
}

export function statusJson(r: StatusResult): unknown {
  return {
    database: r.database,
    units: r.units.map((u) => ({ name: u.name, kind: u.kind, state: u.state, appliedAt: u.appliedAt, checksum: u.appliedChecksum ?? u.checksum, fileChecksum: u.checksum, appliedBy: u.appliedBy, durationMs: u.durationMs,
      lastAttempt: u.lastAttempt, lastAttemptAt: u.lastAttemptAt, lastError: u.lastError, lastDirection: u.lastDirection, failedAttempts: u.failedAttempts })),
    unknown: r.unknown,
  };
}

export function renderStatus(r: StatusResult): string {
  const width = Math.max(10, ...r.units.map((u) => u.name.length));
  const lines = [`status of ${r.database}`];
  for (const u of r.units) {
    const when = u.appliedAt ? `${u.appliedAt} by ${u.appliedBy}${u.durationMs != null ? ` in ${u.durationMs} ms` : ''}` : u.rolledBackAt ? `rolled back ${u.rolledBackAt}` : '';
    const failure = u.lastAttempt === 'failed'
      ? `  (last ${u.lastDirection === 'down' ? 'rollback ' : ''}attempt failed${u.failedAttempts > 1 ? ` ${u.failedAttempts}×` : ''}, at ${u.lastAttemptAt}: ${u.lastError ?? 'no error recorded'})`
      : '';
    lines.push(`  ${u.state.padEnd(8)} ${u.kind.padEnd(9)} ${u.name.padEnd(width)} ${when}${u.state === 'drifted' ? '  (file changed since applied)' : ''}`.trimEnd() + failure);
  }
  for (const name of r.unknown) lines.push(`  applied  ?         ${name.padEnd(width)} (in the history, but no file describes it)`);
  const pending = r.units.filter((u) => u.state === 'pending').length;
  const drifted = r.units.filter((u) => u.state === 'drifted').length;
  const lastFailed = r.units.filter((u) => u.lastAttempt === 'failed').length;
  lines.push(`${r.units.length - pending} applied, ${pending} pending${drifted ? `, ${drifted} DRIFTED` : ''}${lastFailed ? `, ${lastFailed} whose last attempt failed` : ''}`);
  return lines.join('\n') + '\n';
}
