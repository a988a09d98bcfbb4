import { MigrateError } from '../errors';
import { writeOutput } from '../render/output';
import { json, refusedRun, runJson, type RunResult } from '../render/run';
import { formatOf, type GlobalArgv, type OutputArgv, type OutputFormat } from './flags';
import type { Outcome } from './io';

/** With --out FILE the rendering goes to the file and the terminal gets one line. */
export function emit(a: OutputArgv, out: string, o: { exitCode: number; summary: string; error?: MigrateError }): Outcome {
  if (a.out) {
    writeOutput(a.out, out);
    return { out: `${o.summary}; written to ${a.out}\n`, exitCode: o.exitCode, error: o.error };
  }
  return { out, exitCode: o.exitCode, error: o.error };
}

/**
 * Runs `up`, `remediate` or `rollback` and renders its result. A run refused before its
 * first unit still prints the run shape under --json (`"units":[]` and the error);
 * elsewhere the wrapper prints the error and its hint.
 */
export async function runOutcome<R extends RunResult>(
  a: GlobalArgv & OutputArgv,
  title: string,
  refusal: { runId: string; dryRun: boolean },
  run: () => Promise<R>,
  render: (r: R, format: OutputFormat) => string,
  /** Called once the run ended, before anything is rendered (it ends the progress display). */
  ended: () => void = () => undefined,
): Promise<Outcome> {
  const format = formatOf(a);
  let r: R;
  try {
    r = await run();
  } catch (err) {
    ended();
    if (format !== 'json' || !(err instanceof MigrateError)) throw err;
    const refused = refusedRun(refusal.runId, refusal.dryRun, err);
    return { out: json(runJson(refused)), exitCode: err.exitCode, error: err };
  }
  ended();
  return emit(a, render(r, format), { exitCode: r.error ? r.error.exitCode : 0, summary: `${title}: ${r.ok ? 'ok' : 'FAILED'}${r.dryRun ? ' (dry run)' : ''}, run ${r.runId}`, error: r.error });
}
