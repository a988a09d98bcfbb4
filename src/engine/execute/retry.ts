/**
 * How a unit gives way to live traffic: an attempt that cannot get its locks within the
 * per-attempt lock_timeout (55P03), or loses a deadlock (40P01), was rolled back whole; the
 * runner waits, then tries again, up to `retries` times. The wait doubles from `backoffMs`
 * up to MAX_BACKOFF_MS (or backoffMs, if larger), as GitLab's with_lock_retries does.
 */
export interface LockRetry {
  retries: number;
  backoffMs: number;
  /** The per-attempt lock_timeout (--lock-timeout; 0 = none). */
  lockTimeoutMs: number;
}

/** No retry: the first lock failure is the unit's failure. */
export const NO_RETRY: LockRetry = { retries: 0, backoffMs: 0, lockTimeoutMs: 0 };

export const MAX_BACKOFF_MS = 10_000;

const LOCK_CONFLICT_CODES = new Set(['55P03', '40P01']);

/** The server's code for why an attempt ended, when it was a lock it could not have: lock timeout or deadlock. */
export function lockConflictCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 10; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && LOCK_CONFLICT_CODES.has(e.code)) return e.code;
  }
  return undefined;
}

/** The wait before retry `n` (1 = the first retry). */
export function backoffMs(policy: LockRetry, n: number): number {
  const cap = Math.max(MAX_BACKOFF_MS, policy.backoffMs);
  return Math.min(cap, policy.backoffMs * 2 ** Math.max(0, n - 1));
}

/** The longest a unit (or the wait before the first one) can spend giving way: every attempt's lock_timeout and every wait. */
export function boundMs(policy: LockRetry): number {
  let total = policy.lockTimeoutMs * (policy.retries + 1);
  for (let n = 1; n <= policy.retries; n++) total += backoffMs(policy, n);
  return total;
}

/** A pause that an interrupt (Ctrl-C / SIGTERM) ends at once, so a run giving way still stops within seconds. */
export function sleep(ms: number, interrupt?: { onInterrupt(fn: () => void): void }): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    interrupt?.onInterrupt(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
