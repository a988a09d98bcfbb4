import type { RunMode, RunPlan } from '../run-plan';
import type { ExecContext, Outcome } from './context';
import { oneByOne, pipelined } from './separate';
import { dryRun, singleTransaction } from './single';
import { holdYoungGeneration } from './young-generation';

export type { ExecContext, Outcome } from './context';

/**
 * The executors, one per way a run can go. Each takes the plan and the work session and owns
 * what may run on that session and what a failure means (see each one's comment); none
 * plans, asks or renders.
 */
const EXECUTORS: Record<RunMode, (plan: RunPlan, ctx: ExecContext) => Promise<Outcome>> = {
  'one-by-one': oneByOne,
  pipelined,
  'single-transaction': singleTransaction,
  'dry-run': dryRun,
};

export function execute(plan: RunPlan, ctx: ExecContext): Promise<Outcome> {
  holdYoungGeneration();
  return EXECUTORS[plan.mode](plan, ctx);
}
