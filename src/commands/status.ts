import { History, isApplied, type LastAttempt } from '../engine/history';
import type { Unit } from '../engine/units';
import { allUnits, withDatabase, type CommonOptions } from './common';

export type UnitState = 'applied' | 'pending' | 'drifted' | 'adopted';

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
  const units = allUnits(o, { phases: !o.migrationsOnly });
  return withDatabase(o, async ({ session, settings }) => {
    const { states, attempts } = await History.read(session);
    const known = new Set(units.map((u) => u.name));
    return {
      database: settings.display,
      units: units.map((u): StatusUnit => {
        const r = states.get(u.name);
        const applied = isApplied(r);
        const state: UnitState = !applied ? 'pending' : r!.checksum && r!.checksum !== u.checksum ? 'drifted' : r!.event === 'adopted' ? 'adopted' : 'applied';
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
  });
}

function lastAttemptOf(a: LastAttempt | undefined): Pick<StatusUnit, 'lastAttempt' | 'lastAttemptAt' | 'lastError' | 'lastDirection' | 'failedAttempts'> {
  return { lastAttempt: a?.event ?? null, lastAttemptAt: a?.at ?? null, lastError: a?.error ?? null, lastDirection: a?.direction ?? null, failedAttempts: a?.failures ?? 0 };
}
