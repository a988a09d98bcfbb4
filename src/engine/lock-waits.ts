import type { Session } from '../db/session';

/**
 * Measures how long the work connection waits for table locks, unit by unit. The lock
 * connection is idle while it holds the run lock, so it polls pg_locks.waitstart (PG 14+)
 * for the work backend; each wait is counted once, at the longest length it was seen.
 * One timer serves the whole run (a timer per unit cost ~20 µs each on long sequences);
 * it polls only while a unit is open, and stop() ends it before the connection closes.
 */
export class LockWaitMonitor {
  private timer?: NodeJS.Timeout;
  private unit?: string;
  private episodes = new Map<string, number>();
  private polling?: Promise<void>;

  constructor(private readonly monitor: Session, private readonly workPid: number, private readonly intervalMs = 100) {}

  begin(unit: string): void {
    this.unit = unit;
    this.episodes.clear();
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Stops watching the unit and returns the milliseconds it spent waiting for locks. */
  async end(): Promise<number> {
    this.unit = undefined;
    const total = [...this.episodes.values()].reduce((a, b) => a + b, 0);
    this.episodes.clear();
    return Math.round(total);
  }

  /** Ends the timer and waits for a poll in flight, so the lock connection can close. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unit = undefined;
    await this.polling;
  }

  private poll(): Promise<void> {
    if (this.polling || !this.unit) return Promise.resolve();
    const unit = this.unit;
    this.polling = this.monitor
      .query<{ since: string; ms: number }>(
        `select waitstart::text as since, extract(epoch from clock_timestamp() - waitstart) * 1000 as ms
           from pg_locks where pid = $1 and not granted and waitstart is not null`,
        [this.workPid],
      )
      .then((rows) => {
        // A poll that answers after its unit ended belongs to nobody.
        if (this.unit !== unit) return;
        for (const r of rows) this.episodes.set(r.since, Math.max(this.episodes.get(r.since) ?? 0, Number(r.ms)));
      })
      // Best effort: a failed poll only makes the figure smaller, never the run fail.
      .catch(() => undefined)
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }
}
