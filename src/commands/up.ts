import { runSequence, type SequenceResult } from '../engine/sequence';
import { migrationUnits, withLockedDatabase, type CommonOptions } from './common';

export interface UpOptions extends CommonOptions {
  target?: string;
  dryRun?: boolean;
  singleTransaction?: boolean;
}

/** `migrate up [TARGET]`: pending migrations from the migrations folder, in order. */
export async function up(o: UpOptions): Promise<SequenceResult> {
  const units = migrationUnits(o);
  return withLockedDatabase(o, 'up', ({ session, runId, lockWaits, sendAhead }) =>
    runSequence({ session, log: o.log, runId, lockWaits, sendAhead, units, to: o.target, dryRun: o.dryRun, singleTransaction: o.singleTransaction }),
  );
}
