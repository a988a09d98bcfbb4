import type { Session } from '../db/session';

/**
 * Measures how long the work connection waits for table locks, unit by unit. The lock
 * connection is idle while it holds the run lock, so it polls pg_locks.waitstart (PG 14+)
 * for the work backend; each wait is counted once, at the longest length it was seen.
 */
export class LockWaitMonitor {
  private timer?: NodeJS.Timeout;
  private unit?: string;
  private episodes = new Map<string, number>();
  private polling = false;

  constructor(private readonly monitor: Session, private readonly workPid: number, private readonly intervalMs = 100) {}

  begin(unit: string): void {
    this.unit = unit;
    this.episodes.clear();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
  }

  /** Stops watching the unit and returns the milliseconds it spent waiting for locks. */
  async end(): Promise<number> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unit = undefined;
    const total = [...this.episodes.values()].reduce((a, b) => a + b, 0);
    this.episodes.clear();
    return Math.round(total);
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.unit) return;
    this.polling = true;
    try {
      const rows = await this.monitor.query<{ since: string; ms: number }>(
        `select waitstart::text as since, extract(epoch from clock_timestamp() - waitstart) * 1000 as ms
           from pg_locks where pid = $1 and not granted and waitstart is not null`,
        [this.workPid],
      );
      for (const r of rows) this.episodes.set(r.since, Math.max(this.episodes.get(r.since) ?? 0, Number(r.ms)));
    } catch {
      // Best effort: a failed poll only makes the figure smaller, never the run fail.
    } finally {
      this.polling = false;
    }
  }
}
