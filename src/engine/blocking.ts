import { CONFLICTS } from '../analysis/lock-footprint';
import type { LockRequest } from '../analysis/types';
import { describeBlocker, findBlockers, type Blocker } from '../db/blockers';
import type { Session } from '../db/session';
import { LockError, type MigrateError } from '../errors';
import type { Logger } from '../log';
import { backoffMs, boundMs, sleep, type LockRetry } from './execute/retry';
import type { Interrupt } from './interrupt';

/** A named check before the first change, as `plan`, `up` and `remediate` show it. */
export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export const LIVE_LOCKS_CHECK = 'sessions holding the plan\'s tables';

export interface BlockingOptions {
  policy: LockRetry;
  /** The runner's own backends. */
  exclude: readonly number[];
  log: Logger;
  /** Ctrl-C / SIGTERM ends the wait: nothing was changed yet. */
  interrupt?: Interrupt;
}

/** A transaction open this long holds its locks past one attempt: shorter ones come and go. */
const minAgeMs = (p: LockRetry) => (p.lockTimeoutMs > 0 ? p.lockTimeoutMs : 1000);

/** The sessions in the way of `tables` now, and the long transactions touching them (db/blockers.ts). */
export async function blockersOf(s: Session, tables: readonly LockRequest[], o: Pick<BlockingOptions, 'policy' | 'exclude'>): Promise<Blocker[]> {
  return findBlockers(s, tables.map((t) => ({ table: t.table, lock: t.lock, conflictsWith: CONFLICTS[t.lock] })), { minAgeMs: minAgeMs(o.policy), exclude: o.exclude });
}

/** The check as `plan` shows it: one look, no waiting. */
export function liveLocksCheck(tables: readonly LockRequest[], found: readonly Blocker[], waitedS = 0): PreflightCheck {
  const blocking = found.filter((b) => b.conflicts);
  const others = found.filter((b) => !b.conflicts);
  const also = others.length ? `; long transactions not in the way: ${others.map(describeBlocker).join('; ')}` : '';
  if (blocking.length) return { name: LIVE_LOCKS_CHECK, ok: false, detail: `${blocking.map(describeBlocker).join('; ')}${also}` };
  if (tables.length === 0) return { name: LIVE_LOCKS_CHECK, ok: true, detail: `the plan locks no table that exists yet${also}` };
  const scope = `${tables.length} table(s) (${tables.map((t) => t.table).join(', ')})`;
  return { name: LIVE_LOCKS_CHECK, ok: true, detail: `no other session holds or waits for a conflicting lock on ${scope}${waitedS ? ` (after waiting ${waitedS} s)` : ''}${also}` };
}

/**
 * Before the first change: while another session holds (or waits for) a lock that conflicts
 * with the run's footprint, the run waits, within the same bound as a unit's retries (each
 * attempt's lock_timeout plus its backoff); if the blocker is still there, exit 5 with
 * nothing applied, naming it. An orphaned backend of an earlier migrate run is named as such.
 */
export async function awaitNoBlockers(s: Session, tables: readonly LockRequest[], o: BlockingOptions): Promise<PreflightCheck> {
  const started = Date.now();
  for (let n = 0; ; n++) {
    const found = await blockersOf(s, tables, o);
    const blocking = found.filter((b) => b.conflicts);
    const waitedS = Math.round((Date.now() - started) / 100) / 10;
    if (blocking.length === 0) return liveLocksCheck(tables, found, waitedS);
    if (n >= o.policy.retries) {
      throw new LockError(`nothing was changed: the tables this run locks are held by ${blocking.map(describeBlocker).join('; ')} (waited ${waitedS} s)`, blockerHint(blocking, o.policy));
    }
    const pause = o.policy.lockTimeoutMs + backoffMs(o.policy, n + 1);
    o.log.warn({ blockers: blocking.map((b) => b.pid), retryInMs: pause }, `waiting before the first change: ${blocking.map(describeBlocker).join('; ')}`);
    await sleep(pause, o.interrupt);
    const stop = o.interrupt?.error();
    if (stop) throw stop;
  }
}

/** When a unit's retries ran out on a lock: the same error, naming who holds its tables now. */
export async function namedLockFailure(s: Session, footprint: readonly LockRequest[], err: MigrateError, attempts: number, o: Pick<BlockingOptions, 'policy' | 'exclude'>): Promise<MigrateError> {
  const blocking = (await blockersOf(s, footprint, o)).filter((b) => b.conflicts);
  const who = blocking.length ? `; held by ${blocking.map(describeBlocker).join('; ')}` : '';
  return new LockError(`${err.message} (after ${attempts} attempt${attempts === 1 ? '' : 's'})${who}`, blocking.length ? blockerHint(blocking, o.policy) : err.hint, { cause: err });
}

function blockerHint(blocking: readonly Blocker[], p: LockRetry): string {
  const bound = `the run gives way for at most ${(boundMs(p) / 1000).toFixed(1)} s (--lock-timeout × (--lock-retries + 1) plus the backoff)`;
  const orphans = blocking.filter((b) => b.ownRunner);
  if (orphans.length === blocking.length) {
    return `pid ${orphans.map((b) => b.pid).join(', ')} is left over from an earlier migrate run that was killed or lost its connection; the server ends it once it notices its client is gone. Check \`migrate status\`, then run again (or end it: SELECT pg_terminate_backend(pid)); ${bound}`;
  }
  return `another application holds these locks: wait for it to finish (or end it), then run again; ${bound}`;
}
