import type { PipelineStep, Session } from '../db/session';
import { LockError, LockLostError } from '../errors';
import type { Logger } from '../log';

/** Two int4 keys: a class for this tool, and an object for the run lock. */
const LOCK_CLASS = 0x6d696772; // "migr"
const LOCK_OBJECT = 1;
/** The commit fence: each unit's transaction holds it from its lock check to its COMMIT (migrate.hold_run_lock). */
const FENCE_OBJECT = 2;

/** The run's hold on the lock, as the units' transactions need it. */
export interface RunLock {
  /** The lock session's backend pid. */
  pid: number;
  /** The last statement of every transaction that commits: it aborts unless this run still holds the lock. */
  guard: PipelineStep;
  /** Once the lock session is gone (as far as this side knows): nothing more may start. */
  lost(): LockLostError | undefined;
}

export interface LockHolder {
  pid: number;
  applicationName: string;
  since: string | null;
  clientAddr: string | null;
}

/**
 * Holds a session-level advisory lock on its own connection for the whole run, so a
 * unit's transaction ending never releases it. Waits up to waitMs, polling, then names
 * the holder. Once it has the lock it waits on the commit fence, so that a unit of a
 * previous holder that passed its lock check has committed before this run reads the history.
 */
export async function withRunLock<T>(
  lock: Session,
  opts: { waitMs: number; label: string; log: Logger },
  fn: (runLock: RunLock) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + opts.waitMs;
  let announced = false;
  for (;;) {
    const [{ locked }] = await lock.query<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [LOCK_CLASS, LOCK_OBJECT]);
    if (locked) break;
    const holder = await lockHolder(lock);
    if (Date.now() >= deadline) {
      const who = holder ? describeHolder(holder) : 'another session';
      throw new LockError(`another runner holds the migration lock: ${who}`, 'wait for it to finish, or raise --lock-wait; never kill it mid-unit without checking its history');
    }
    if (!announced && holder) {
      opts.log.info({ holderPid: holder.pid }, `waiting for the migration lock held by ${describeHolder(holder)}`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, Math.min(200, Math.max(10, deadline - Date.now()))));
  }
  // Name the holder for whoever waits: application_name is what pg_stat_activity shows.
  // The fence is taken and, the statement being its own transaction, released at once.
  await lock.query('select set_config($1, $2, false), pg_advisory_xact_lock($3, $4)', ['application_name', opts.label.slice(0, 63), LOCK_CLASS, FENCE_OBJECT]).catch(async (err: unknown) => {
    await lock.query('select pg_advisory_unlock($1, $2)', [LOCK_CLASS, LOCK_OBJECT]).catch(() => undefined);
    if ((err as { code?: string }).code !== '55P03') throw err;
    throw new LockError('a unit of the previous runner, which lost the migration lock, is still committing', 'wait a moment and run again; `migrate status` shows what it committed', { cause: err });
  });
  const pid = lock.connection.backend.pid;
  let lost: LockLostError | undefined;
  lock.connection.onLost((e) => {
    lost = new LockLostError(`this run lost the migration lock: its lock session (pid ${pid}) ended (${e.message})`,
      'units that committed before stay applied; another runner may hold the lock now: see `migrate status`, then run again', { cause: e });
    opts.log.error({ pid }, lost.message);
  });
  const runLock: RunLock = {
    pid,
    guard: { query: 'select migrate.hold_run_lock($1, $2, $3, $4)', params: [pid, LOCK_CLASS, LOCK_OBJECT, FENCE_OBJECT] },
    lost: () => lost,
  };
  try {
    return await fn(runLock);
  } finally {
    if (!lost) await lock.query('select pg_advisory_unlock($1, $2)', [LOCK_CLASS, LOCK_OBJECT]).catch(() => undefined);
  }
}

async function lockHolder(lock: Session): Promise<LockHolder | undefined> {
  const rows = await lock.query<{ pid: number; application_name: string; since: string | null; client_addr: string | null }>(
    `select a.pid, a.application_name, to_char(a.state_change, 'YYYY-MM-DD HH24:MI:SS TZ') as since, a.client_addr::text as client_addr
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.classid = $1::int::oid and l.objid = $2::int::oid and l.objsubid = 2
        and l.database = (select oid from pg_database where datname = current_database())
      limit 1`,
    [LOCK_CLASS, LOCK_OBJECT],
  );
  const r = rows[0];
  return r ? { pid: r.pid, applicationName: r.application_name, since: r.since, clientAddr: r.client_addr } : undefined;
}

function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} (${h.applicationName || 'no application_name'}${h.clientAddr ? ` from ${h.clientAddr}` : ''}) since ${h.since ?? 'unknown'}`;
}
