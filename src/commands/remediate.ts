import { randomUUID } from 'node:crypto';
import type { Argv } from 'yargs';
import { runSequence, type PlannedUnit, type SequenceResult } from '../engine/sequence';
import { NotApprovedError } from '../errors';
import type { Session } from '../db/session';
import type { Unit } from '../engine/units';
import { verifyUnit } from '../engine/unit-checks';
import { checkRecord, estimates, readRecord } from '../engine/rehearsal-record';
import { failed, type CheckResult } from '../verify/checks';
import { shownPath } from '../verify/where';
import { phaseUnits, withLockedDatabase, type CommonOptions } from './common';
import { roleSwitchCheck } from './role-switches';
import { confirmation, planLines, type Confirm } from './confirm';
import { commonOptions, confirmFlags, dryRunFlag, guardFlags, outputFlags, parseDuration, type ConfirmArgv, type DryRunArgv, type GlobalArgv, type GuardArgv, type OutputArgv } from './flags';
import type { Io, Outcome } from './io';
import { runOutcome } from './outcome';
import { watchRun } from './run-progress';
import { lockRetryOf, parseWindowEnd, sequenceFlags, type SequenceArgv } from './run-flags';
import type { LockRetry } from '../engine/execute/retry';
import { renderRun } from '../render/run';

export interface RemediateOptions extends CommonOptions {
  to?: string;
  skip?: string[];
  singleTransaction?: boolean;
  dryRun?: boolean;
  /** Refuse to start a unit that cannot finish before this time. */
  windowEnd?: Date;
  /** --lock-retries, --lock-backoff and the per-attempt --lock-timeout. */
  lockRetry?: LockRetry;
  /** A rehearsal record (`migrate rehearse --record`): the plan must match it, its durations feed windowEnd. */
  rehearsal?: string;
  rehearsalMaxAgeMs?: number;
  /** Asked before the first change (the CLI passes one on a terminal unless --yes). */
  confirm?: Confirm;
}

export interface PostVerification {
  ok: boolean;
  units: Array<{ name: string; checks: CheckResult[] }>;
}

export interface RemediateResult extends SequenceResult {
  postVerification?: PostVerification;
  /** Said before any change: what will not work as this user (a role verify's checks SET ROLE to). */
  warnings: string[];
}

/**
 * `migrate remediate`: the phases in order, each applied, adopted or skipped, then every
 * unit's verify once more over the finished state (the post-verification).
 */
export async function remediate(o: RemediateOptions): Promise<RemediateResult> {
  const units = phaseUnits(o);
  const record = o.rehearsal ? readRecord(o.rehearsal) : undefined;
  if (record) checkRecord(record, units, o.rehearsalMaxAgeMs ?? 7 * 24 * 3600 * 1000);
  return withLockedDatabase(o, 'remediate', async ({ session, runId, lockWaits, sendAhead, runLock, reopen, target }) => {
    let postVerification: PostVerification | undefined;
    const warnings = (await roleSwitchCheck(session, units, [])).map((f) => `${shownPath(f.file)}:${f.line}: ${f.message}`);
    // On a terminal the prompt shows them with the plan; otherwise they go to stderr now, before any change.
    const say = o.confirm || !o.warn ? (m: string) => o.log.warn({}, m) : o.warn;
    for (const w of warnings) say(w);
    const confirm = o.confirm && (async (plan: PlannedUnit[]) => o.confirm!({
      target: await target(), lines: [...planLines(plan), ...warnings.map((w) => `warning: ${w}`)], question: `Apply ${plan.filter((p) => p.action === 'apply').length} unit(s)`,
    }));
    const result = await runSequence({
      session, log: o.log, runId, lockWaits, interrupt: o.interrupt, progress: o.progress, sendAhead, runLock, reopen, units, to: o.to, skip: o.skip, singleTransaction: o.singleTransaction, dryRun: o.dryRun, confirm,
      windowEnd: o.windowEnd, lockRetry: o.lockRetry, estimateMs: record ? estimates(record) : undefined,
      afterAll: async (s, scope) => {
        postVerification = await postVerify(s, scope);
        if (!postVerification.ok) {
          const bad = postVerification.units.flatMap((u) => failed(u.checks).map((c) => `${u.name}: ${c.check}: ${c.detail}`));
          throw new NotApprovedError(`post-verification failed: ${bad.join('; ')}`, 'run `migrate verify` for the full report');
        }
      },
    });
    return { ...result, postVerification, warnings };
  });
}

async function postVerify(s: Session, scope: Unit[]): Promise<PostVerification> {
  const units = [];
  for (const u of scope) units.push({ name: u.name, checks: await verifyUnit(s, u) });
  return { ok: units.every((u) => failed(u.checks).length === 0), units };
}

type RemediateArgv = GlobalArgv & GuardArgv & OutputArgv & DryRunArgv & ConfirmArgv & SequenceArgv & {
  skip?: string[];
  to?: string;
  rehearsal?: string;
  'rehearsal-max-age': string;
};

export function builder(y: Argv): Argv {
  return sequenceFlags(confirmFlags(dryRunFlag(outputFlags(guardFlags(y)), 'execute everything in a transaction, report, roll it back')))
    .option('skip', { type: 'string', array: true, describe: 'a unit not to run (e.g. 04-smoke-test-data)' })
    .option('to', { type: 'string', describe: 'stop after this phase' })
    .option('rehearsal', { type: 'string', describe: 'a rehearsal record (migrate rehearse --record): the plan must match it' })
    .option('rehearsal-max-age', { type: 'string', default: '7d', describe: 'how old the rehearsal record may be' });
}

export async function handler(a: RemediateArgv, io: Io): Promise<Outcome> {
  const runId = randomUUID();
  const watch = watchRun(a, io, { title: 'migrate remediate', runId, dryRun: a['dry-run'], again: 'run `migrate remediate` again to finish' });
  return runOutcome(a, 'migrate remediate', { runId, dryRun: a['dry-run'] }, () => remediate({
    ...commonOptions(a, watch.io, runId),
    interrupt: watch.interrupt,
    progress: watch.progress,
    to: a.to,
    skip: a.skip ?? [],
    singleTransaction: a['single-transaction'],
    dryRun: a['dry-run'],
    confirm: confirmation('remediate', a, io),
    windowEnd: a['window-end'] === undefined ? undefined : parseWindowEnd(a['window-end']),
    lockRetry: lockRetryOf(a),
    rehearsal: a.rehearsal,
    rehearsalMaxAgeMs: parseDuration(a['rehearsal-max-age'], 'rehearsal-max-age'),
  }), (r, format) => renderRun('migrate remediate', r, format, { postVerification: r.postVerification, warnings: r.warnings }, r.warnings, watch.paint), watch.finish);
}
