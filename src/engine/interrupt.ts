import { InterruptedError } from '../errors';

/**
 * A run's view of Ctrl-C / SIGTERM (io.signal, wired by bin/migrate.js). Listening to the
 * signal is what tells the bin that this command stops by itself: the unit in flight is
 * cancelled on the server (LockWaitMonitor) and rolled back, and no unit starts after it.
 */
export class Interrupt {
  private why?: string;
  private readonly listeners: Array<(reason: string) => void> = [];

  /** `again` is what to do to finish, e.g. "run `migrate up` again to finish". */
  constructor(signal: AbortSignal | undefined, private readonly again: string) {
    if (!signal) return;
    if (signal.aborted) this.why = reasonOf(signal.reason);
    else signal.addEventListener('abort', () => this.fire(reasonOf(signal.reason)), { once: true });
  }

  /** The signal's name once interrupted (SIGINT, SIGTERM). */
  get reason(): string | undefined {
    return this.why;
  }

  /** Calls fn once, when interrupted (at once when already). */
  onInterrupt(fn: (reason: string) => void): void {
    if (this.why) fn(this.why);
    else this.listeners.push(fn);
  }

  /** Once interrupted: the error of a unit that was not started, or of the run it ended. */
  error(): InterruptedError | undefined {
    if (!this.why) return undefined;
    return new InterruptedError(`interrupted by ${this.why}: no further unit was started`, `what committed before stays; ${this.again}`);
  }

  /** Once interrupted: the error of the unit that was running, its statement cancelled on the server, its transaction rolled back. */
  unitError(unit: string): InterruptedError | undefined {
    if (!this.why) return undefined;
    return new InterruptedError(`interrupted by ${this.why}: ${unit} was cancelled on the server and its transaction rolled back`, `what committed before stays; ${this.again}`);
  }

  private fire(reason: string): void {
    this.why = reason;
    for (const fn of this.listeners.splice(0)) fn(reason);
  }
}

function reasonOf(reason: unknown): string {
  return typeof reason === 'string' && /^SIG[A-Z]+$/.test(reason) ? reason : 'an interrupt';
}
