import { randomUUID } from 'node:crypto';
import type { Argv } from 'yargs';
import { preloadParser } from '../analysis/parse';
import { runSequence, type SequenceResult } from '../engine/sequence';
import { renderRun } from '../render/run';
import { migrationUnits, withLockedDatabase, type CommonOptions } from './common';
import { commonOptions, dryRunFlag, guardFlags, outputFlags, type DryRunArgv, type GlobalArgv, type GuardArgv, type OutputArgv } from './flags';
import type { Io, Outcome } from './io';
import { runOutcome } from './outcome';
import { watchRun } from './run-progress';
import { lockRetryOf, parseWindowEnd, sequenceFlags, type SequenceArgv } from './run-flags';
import type { LockRetry } from '../engine/execute/retry';

export interface UpOptions extends CommonOptions {
  target?: string;
  dryRun?: boolean;
  singleTransaction?: boolean;
  windowEnd?: Date;
  /** --lock-retries, --lock-backoff and the per-attempt --lock-timeout. */
  lockRetry?: LockRetry;
}

/** `migrate up [TARGET]`: pending migrations from the migrations folder, in order. Never asks: pipelines run it. */
export async function up(o: UpOptions): Promise<SequenceResult> {
  // The parser's WebAssembly compiles while the files are read and the connections open.
  preloadParser({ eager: true });
  const units = migrationUnits(o);
  return withLockedDatabase(o, 'up', ({ session, runId, lockWaits, sendAhead, runLock, reopen }) =>
    runSequence({ session, log: o.log, runId, lockWaits, interrupt: o.interrupt, progress: o.progress, sendAhead, runLock, reopen, units, to: o.target, dryRun: o.dryRun, singleTransaction: o.singleTransaction, windowEnd: o.windowEnd, lockRetry: o.lockRetry }),
  );
}

type UpArgv = GlobalArgv & GuardArgv & OutputArgv & DryRunArgv & SequenceArgv & { target?: string };

export function builder(y: Argv): Argv {
  const withTarget = y.positional('target', { type: 'string', describe: 'stop after this unit (a name or number)' });
  return sequenceFlags(dryRunFlag(outputFlags(guardFlags(withTarget)), 'run everything in a transaction, report, roll it back'));
}

export async function handler(a: UpArgv, io: Io): Promise<Outcome> {
  const runId = randomUUID();
  const watch = watchRun(a, io, { title: 'migrate up', runId, dryRun: a['dry-run'], again: 'run `migrate up` again to finish' });
  return runOutcome(a, 'migrate up', { runId, dryRun: a['dry-run'] }, () => up({
    ...commonOptions(a, watch.io, runId),
    interrupt: watch.interrupt,
    progress: watch.progress,
    target: a.target,
    dryRun: a['dry-run'],
    singleTransaction: a['single-transaction'],
    windowEnd: a['window-end'] === undefined ? undefined : parseWindowEnd(a['window-end']),
    lockRetry: lockRetryOf(a),
  }), (r, format) => renderRun('migrate up', r, format, {}, [], watch.paint), watch.finish);
}
