import { runSequence, type PlannedUnit, type SequenceResult } from '../engine/sequence';
import { NotApprovedError } from '../errors';
import type { Session } from '../db/session';
import type { Unit } from '../engine/units';
import { verifyUnit } from '../engine/unit-checks';
import { checkRecord, estimates, readRecord } from '../engine/rehearsal-record';
import { failed, type CheckResult } from '../verify/checks';
import { phaseUnits, withLockedDatabase, type CommonOptions } from './common';

export interface RemediateOptions extends CommonOptions {
  to?: string;
  skip?: string[];
  singleTransaction?: boolean;
  dryRun?: boolean;
  /** Refuse to start a unit that cannot finish before this time. */
  windowEnd?: Date;
  /** A rehearsal record (`migrate rehearse --record`): the plan must match it, its durations feed windowEnd. */
  rehearsal?: string;
  rehearsalMaxAgeMs?: number;
  /** Asked before the first change (the CLI passes one on a terminal unless --yes). */
  confirm?: (plan: PlannedUnit[]) => Promise<boolean>;
}

export interface PostVerification {
  ok: boolean;
  units: Array<{ name: string; checks: CheckResult[] }>;
}

export interface RemediateResult extends SequenceResult {
  postVerification?: PostVerification;
}

/**
 * `migrate remediate`: the phases in order, each applied, adopted or skipped, then every
 * unit's verify once more over the finished state (the post-verification).
 */
export async function remediate(o: RemediateOptions): Promise<RemediateResult> {
  const units = phaseUnits(o);
  const record = o.rehearsal ? readRecord(o.rehearsal) : undefined;
  if (record) checkRecord(record, units, o.rehearsalMaxAgeMs ?? 7 * 24 * 3600 * 1000);
  return withLockedDatabase(o, 'remediate', async ({ session, runId, lockWaits, sendAhead }) => {
    let postVerification: PostVerification | undefined;
    const result = await runSequence({
      session, log: o.log, runId, lockWaits, sendAhead, units, to: o.to, skip: o.skip, singleTransaction: o.singleTransaction, dryRun: o.dryRun, confirm: o.confirm,
      windowEnd: o.windowEnd, estimateMs: record ? estimates(record) : undefined,
      afterAll: async (s, scope) => {
        postVerification = await postVerify(s, scope);
        if (!postVerification.ok) {
          const bad = postVerification.units.flatMap((u) => failed(u.checks).map((c) => `${u.name}: ${c.check}: ${c.detail}`));
          throw new NotApprovedError(`post-verification failed: ${bad.join('; ')}`, 'run `migrate verify` for the full report');
        }
      },
    });
    return { ...result, postVerification };
  });
}

async function postVerify(s: Session, scope: Unit[]): Promise<PostVerification> {
  const units = [];
  for (const u of scope) units.push({ name: u.name, checks: await verifyUnit(s, u) });
  return { ok: units.every((u) => failed(u.checks).length === 0), units };
}
