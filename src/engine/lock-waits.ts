import type { Session } from '../db/session';
import type { Interrupt } from './interrupt';
import type { Blocker, ProgressSink, WaitingOn } from './progress';

export interface MonitorOptions {
  intervalMs?: number;
  /** Told what the running unit waits on, whenever that changes. */
  progress?: ProgressSink;
  /** Once it fires, the running unit's statement is cancelled on the server at every poll until the unit ends. */
  interrupt?: Interrupt;
}

/**
 * The work backend as pg_stat_activity shows it: its lock waits (pg_locks.waitstart, PG 14+),
 * what it runs, and the sessions it waits for (pg_blocking_pids, computed only while it
 * waits on a lock: the function takes the lock manager's partition locks).
 */
const POLL = `select a.state, a.wait_event_type, a.wait_event, left(a.query, 300) as query,
       (select coalesce(json_agg(json_build_object('since', l.waitstart::text, 'ms', extract(epoch from clock_timestamp() - l.waitstart) * 1000)), '[]'::json)
          from pg_locks l where l.pid = a.pid and not l.granted and l.waitstart is not null) as waits,
       (select json_agg(json_build_object('pid', b.pid, 'application', b.application_name, 'user', b.usename, 'state', b.state,
                          'query', left(b.query, 300), 'xactMs', extract(epoch from clock_timestamp() - b.xact_start) * 1000) order by b.pid)
          from unnest(case when a.wait_event_type = 'Lock' then pg_blocking_pids(a.pid) end) as p(pid) join pg_stat_activity b on b.pid = p.pid) as blockers
  from pg_stat_activity a where a.pid = $1`;

/**
 * Cancels the work backend's statement, unless it is the end of a transaction or the runner's
 * own bookkeeping after the unit failed (ROLLBACK, its `failed` row, the cleanup of an invalid
 * index), which must be let through.
 */
const CANCEL = `select pg_cancel_backend(pid) as cancelled from pg_stat_activity
  where pid = $1 and state = 'active'
    and query !~* '^\\s*(rollback|commit|end|abort|release|insert into migrate\\.history|drop index concurrently if exists)'`;

type PollRow = {
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  query: string | null;
  waits: Array<{ since: string; ms: number }>;
  blockers: Blocker[] | null;
};

/**
 * Watches the work connection from the lock connection, unit by unit: how long it waits for
 * table locks, what it waits on (for the progress display), and after an interrupt cancels
 * its statement on the server. The lock connection is idle while it holds the run lock; each
 * lock wait is counted once, at the longest length it was seen. One timer serves the whole
 * run (a timer per unit cost ~20 µs each on long sequences); it polls only while a unit is
 * open, and stop() ends it before the connection closes.
 */
export class LockWaitMonitor {
  private timer?: NodeJS.Timeout;
  private unit?: string;
  private episodes = new Map<string, number>();
  private polling?: Promise<void>;
  private seen?: string;
  private cancelled?: string;
  private readonly intervalMs: number;

  constructor(private readonly monitor: Session, private readonly workPid: number, private readonly o: MonitorOptions = {}) {
    this.intervalMs = o.intervalMs ?? 100;
    // At once, not at the next tick: the statement should stop as soon as the user asked.
    o.interrupt?.onInterrupt(() => void this.poll());
  }

  begin(unit: string): void {
    this.unit = unit;
    this.episodes.clear();
    this.seen = undefined;
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
      this.timer.unref();
    }
    if (this.o.interrupt?.reason) void this.poll();
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
    if (this.polling || !this.unit) return this.polling ?? Promise.resolve();
    const unit = this.unit;
    this.polling = (async () => {
      if (this.o.interrupt?.reason) await this.cancel(unit);
      const [row] = await this.monitor.query<PollRow>(POLL, [this.workPid]);
      // A poll that answers after its unit ended belongs to nobody.
      if (!row || this.unit !== unit) return;
      for (const r of row.waits) this.episodes.set(r.since, Math.max(this.episodes.get(r.since) ?? 0, Number(r.ms)));
      this.tell(unit, waitingOn(row));
    })()
      // Best effort: a failed poll only makes the figure smaller, never the run fail.
      .catch(() => undefined)
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }

  private async cancel(unit: string): Promise<void> {
    const rows = await this.monitor.query<{ cancelled: boolean }>(CANCEL, [this.workPid]);
    if (rows.some((r) => r.cancelled) && this.cancelled !== unit) {
      this.cancelled = unit;
      this.o.progress?.({ type: 'cancel', unit, pid: this.workPid });
    }
  }

  /** Tells the sink when what the unit waits on changed (not at every poll). */
  private tell(unit: string, on: WaitingOn | undefined): void {
    if (!on || !this.o.progress) return;
    const key = on.kind === 'lock' ? `lock ${on.blockers.map((b) => b.pid).join(',')}` : `statement ${on.query}`;
    if (key === this.seen) return;
    this.seen = key;
    this.o.progress({ type: 'unit-activity', unit, waitingOn: on });
  }
}

function waitingOn(row: PollRow): WaitingOn | undefined {
  if (row.state !== 'active') return undefined;
  if (row.wait_event_type === 'Lock' && row.blockers?.length) return { kind: 'lock', blockers: row.blockers };
  return { kind: 'statement', query: row.query ?? '', waitEvent: row.wait_event };
}
