import type { UnitResult } from './runner';

/**
 * What a run tells whoever shows its progress (the commands pass a sink; render/progress.ts
 * draws it). The engine only emits: it never prints.
 */

/** A session the work backend waits for (pg_blocking_pids), as pg_stat_activity shows it. */
export interface Blocker {
  pid: number;
  application: string;
  user: string | null;
  state: string | null;
  query: string | null;
  /** How long its transaction has been open (null: none). */
  xactMs: number | null;
}

/** What the running unit waits on, seen from the lock connection. */
export type WaitingOn =
  | { kind: 'lock'; blockers: Blocker[] }
  | { kind: 'statement'; query: string; waitEvent: string | null };

export type ProgressEvent =
  /** The units about to run, in order: N of `[k/N]`. */
  | { type: 'units'; names: string[] }
  | { type: 'unit-start'; unit: string; index: number; total: number }
  /** Sent when what the unit waits on changes (polled while it runs). */
  | { type: 'unit-activity'; unit: string; waitingOn: WaitingOn }
  | { type: 'unit-end'; unit: string; index: number; total: number; result: UnitResult }
  /** The attempt gave way (lock timeout or deadlock), was rolled back, and is tried again after `retryInMs`. */
  | { type: 'unit-retry'; unit: string; attempt: number; reason: string; retryInMs: number }
  /** After an interrupt: the running statement of `unit` was cancelled on the server. */
  | { type: 'cancel'; unit: string; pid: number };

export type ProgressSink = (event: ProgressEvent) => void;

/** Runs one unit's step, telling `progress` as it starts and ends (`failed`: its result from what it threw). */
export async function reported(progress: ProgressSink | undefined, at: { unit: string; index: number; total: number }, step: () => Promise<UnitResult>, failed: (err: unknown) => UnitResult): Promise<UnitResult> {
  progress?.({ type: 'unit-start', ...at });
  try {
    const result = await step();
    progress?.({ type: 'unit-end', ...at, result });
    return result;
  } catch (err) {
    progress?.({ type: 'unit-end', ...at, result: failed(err) });
    throw err;
  }
}
