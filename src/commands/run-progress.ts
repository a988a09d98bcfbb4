import { Interrupt } from '../engine/interrupt';
import type { ProgressSink } from '../engine/progress';
import { ansi, paintFor, plain, terminalOf, type Paint } from '../render/colour';
import { liveProgress, plainProgress } from '../render/progress';
import { formatOf, type GlobalArgv, type OutputArgv } from './flags';
import type { Io } from './io';

/** What `up`, `remediate` and `rollback` show and hear while they run. */
export interface RunWatch {
  interrupt: Interrupt;
  /** Absent under --json: machines read the result, not the progress. */
  progress?: ProgressSink;
  /** For the report on stdout: colour only on a terminal without NO_COLOR. */
  paint: Paint;
  /** The io for commonOptions: the progress replaces the log's info lines on a terminal. */
  io: Io;
  /** Before the report is printed. */
  finish(): void;
}

/**
 * Prints the run id as the run starts its units, and their progress on stderr as they
 * run (render/progress.ts); hears Ctrl-C / SIGTERM (io.signal) for the engine, which stops
 * by itself, so `again` (how to finish) ends up in the error's hint.
 */
export function watchRun(a: GlobalArgv & OutputArgv, io: Io, o: { title: string; runId: string; dryRun?: boolean; again: string }): RunWatch {
  const interrupt = new Interrupt(io.signal, o.again);
  const paint = paintFor(io.stdout, io.env);
  if (formatOf(a) === 'json') return { interrupt, paint, io, finish: () => undefined };
  const screen = terminalOf(io.stderr, io.env);
  // Log lines asked for on the screen would tear a list redrawn in place: plain lines beside them.
  const view = (screen.tty && a['log-level'] === undefined ? liveProgress : plainProgress)(io.stderr, { dryRun: !!o.dryRun, paint: screen.colour ? ansi : plain, width: Math.min(80, screen.columns) });
  // The run id heads the progress, once the run has its units (a refusal before then has its one error line).
  let headed = false;
  const head = () => {
    if (!headed) io.stderr.write(`${o.title}  run ${o.runId}\n`);
    headed = true;
  };
  interrupt.onInterrupt((sig) => {
    head();
    view.note(`${sig}: stopping: cancelling the running unit (${sig === 'SIGINT' ? 'Ctrl-C' : sig} again: exit now)`);
  });
  // The report lists the units again: the live list goes when the report follows it on the same terminal.
  const erase = terminalOf(io.stdout, io.env).tty && !a.out;
  const progress: ProgressSink = (e) => {
    head();
    view.sink(e);
  };
  return { interrupt, progress, paint, io: { ...io, interactive: false }, finish: () => view.finish(erase) };
}
