import path from 'node:path';
import type { Argv } from 'yargs';
import { History, isApplied } from '../engine/history';
import { resolveUnit, type Unit } from '../engine/units';
import { MigrateError } from '../errors';
import { json } from '../render/run';
import { allUnits, withLockedDatabase, type CommonOptions } from './common';
import { confirmation, type Confirm } from './confirm';
import { commonOptions, confirmFlags, formatOf, outputFlags, type ConfirmArgv, type GlobalArgv, type OutputArgv } from './flags';
import type { Io, Outcome } from './io';
import { emit } from './outcome';

export interface RepairOptions extends CommonOptions {
  unit: string;
  confirm?: Confirm;
}

export interface RepairResult {
  ok: boolean;
  runId: string;
  unit: string;
  /** False when there was nothing to repair: the file is as applied and the last attempt did not fail. */
  repaired: boolean;
  oldChecksum: string | null;
  newChecksum: string;
  /** The error of the failed last attempt this repair cleared. */
  clearedFailure: string | null;
  reason?: string;
}

/**
 * `migrate repair UNIT`: after a reviewed edit of an applied file, records the file's checksum
 * now (a `repaired` event with the old and new checksum; the row holds who and from where), so
 * drift no longer blocks; a failed last attempt is cleared too. It runs nothing of the unit.
 */
export async function repair(o: RepairOptions): Promise<RepairResult> {
  const unit = resolveUnit(allUnits(o), o.unit);
  return withLockedDatabase(o, `repair ${unit.name}`, async ({ session, runId, target }) => {
    const { states, attempts } = await History.read(session);
    const state = states.get(unit.name);
    const applied = isApplied(state) ? state!.checksum : null;
    const drift = applied !== null && applied !== unit.checksum;
    const last = attempts.get(unit.name);
    const failure = last?.event === 'failed' ? last.error ?? 'failed' : null;
    const base = { runId, unit: unit.name, oldChecksum: applied, newChecksum: unit.checksum, clearedFailure: failure };
    if (!drift && failure === null) {
      return { ...base, ok: true, repaired: false, clearedFailure: null, reason: isApplied(state) ? 'the file is as it was applied and its last attempt did not fail' : 'not applied and no failed attempt' };
    }
    if (o.confirm && !(await o.confirm({ target: await target(), lines: changeLines(unit, base), question: `Record the repair of ${unit.name}` }))) {
      throw new MigrateError('declined at the prompt; nothing was changed', 3);
    }
    await History.record(session, {
      runId, unit: unit.name, kind: unit.kind, event: 'repaired', checksum: unit.checksum, durationMs: 0,
      detail: { oldChecksum: applied, newChecksum: unit.checksum, clearedFailure: failure, file: unit.up.path },
    });
    return { ...base, ok: true, repaired: true };
  });
}

function changeLines(unit: Unit, r: Pick<RepairResult, 'oldChecksum' | 'newChecksum' | 'clearedFailure'>): string[] {
  const lines = [`Will record in the history (nothing of ${unit.name} runs):`];
  if (r.oldChecksum !== null && r.oldChecksum !== r.newChecksum) lines.push(`  checksum ${r.oldChecksum} → ${r.newChecksum} (${path.relative(process.cwd(), unit.up.path) || unit.up.path} as it is now)`);
  if (r.clearedFailure !== null) lines.push(`  clears the failed last attempt: ${r.clearedFailure}`);
  return lines;
}

type RepairArgv = GlobalArgv & OutputArgv & ConfirmArgv & { unit: string };

export function builder(y: Argv): Argv {
  return confirmFlags(outputFlags(y.positional('unit', { type: 'string', describe: 'the unit whose file was edited (full name or version prefix)' })));
}

export async function handler(a: RepairArgv, io: Io): Promise<Outcome> {
  const confirm = confirmation('repair', a, io);
  const r = await repair({ ...commonOptions(a, io), unit: a.unit, confirm });
  return emit(a, formatOf(a) === 'json' ? json(r) : renderRepair(r), { exitCode: 0, summary: `migrate repair ${r.unit}: ${r.repaired ? 'recorded' : 'nothing to repair'}` });
}

export function renderRepair(r: RepairResult): string {
  if (!r.repaired) return `migrate repair ${r.unit}: nothing to repair (${r.reason}); nothing was recorded\n`;
  const lines = [`migrate repair ${r.unit}: recorded (run ${r.runId})`];
  if (r.oldChecksum !== null && r.oldChecksum !== r.newChecksum) lines.push(`  checksum ${r.oldChecksum} → ${r.newChecksum}: drift no longer blocks`);
  if (r.clearedFailure !== null) lines.push(`  the failed last attempt is cleared (${r.clearedFailure})`);
  return lines.join('\n') + '\n';
}
