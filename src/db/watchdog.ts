import { ConnectionLostError } from '../errors';
import type { Logger } from '../log';
import type { Bounds } from './bounds';
import type { Connection } from './connection';
import type { Session } from './session';

/**
 * What the server says a session is doing: working on a statement, or waiting for its client.
 * The start time travels as text (a timestamptz parameter would be cut to milliseconds by the driver).
 */
const LOOK = `select state, coalesce(wait_event, '') as wait_event, state_change::text as since
                from pg_stat_activity where pid = $1 and backend_start = $2::text::timestamptz`;
const END = 'select pg_terminate_backend(pid) from pg_stat_activity where pid = $1 and backend_start = $2::text::timestamptz';

export interface Watch {
  stop(): void;
}

/**
 * Bounds every round trip of a connection (postgres.js has none). A round trip older than
 * T (--connection-timeout) is looked into from another session, the probe:
 * - the server is working on it (active, not waiting on the network): the wait is the
 *   server's own, bounded by statement_timeout and lock_timeout;
 * - the session is gone, or idle, or stuck writing to us, twice in a row: a message or its
 *   answer is lost in the network; the server ends the session, this side the connection;
 * - the probe does not answer within T either, or there is none: the connection is ended.
 * A connection without a probe (the lock's, the probe's own) only runs short statements,
 * so a round trip older than T ends it.
 */
export function watch(target: Connection, o: { bounds: Bounds; log: Logger; probe?: () => Promise<Session> }): Watch {
  const seconds = o.bounds.silenceMs / 1000;
  let looking = false;
  let last: string | undefined;
  const lose = (why: string) => {
    o.log.warn({ pid: target.backend.pid }, `${target.label}: ${why}`);
    target.destroy(new ConnectionLostError(`the connection to the server was lost (${target.label}, pid ${target.backend.pid}): ${why}`,
      `nothing waits longer than --connection-timeout (${seconds} s) for a silent server`));
  };
  const look = async (probe: Session) => {
    const [row] = await probe.query<{ state: string | null; wait_event: string; since: string | null }>(LOOK, [target.backend.pid, target.backend.start]);
    if (!row) return lose(`no answer for ${seconds} s, and the server has ended the session`);
    const working = row.state === 'active' && row.wait_event !== 'ClientRead' && row.wait_event !== 'ClientWrite';
    const seen = `${row.state}|${row.wait_event}|${row.since}`;
    if (working || seen !== last) {
      last = working ? undefined : seen;
      return;
    }
    // Twice the same: the server waits for us while we wait for it. End its side first, so its locks go now.
    await probe.query(END, [target.backend.pid, target.backend.start]).catch(() => undefined);
    lose(`no answer for ${seconds} s while the server was ${row.state}${row.wait_event ? ` (${row.wait_event})` : ''}: a message was lost on the network; the server session was ended`);
  };
  const tick = async () => {
    if (looking || target.lost) return;
    if (target.oldestWaitMs() < o.bounds.silenceMs) {
      last = undefined;
      return;
    }
    if (!o.probe) return lose(`no answer for ${seconds} s`);
    looking = true;
    try {
      await look(await o.probe());
    } catch {
      lose(`no answer for ${seconds} s, and none on a second connection either: the server is unreachable`);
    } finally {
      looking = false;
    }
  };
  const timer = setInterval(() => void tick(), o.bounds.tickMs);
  timer.unref();
  target.onLost(() => clearInterval(timer));
  return { stop: () => clearInterval(timer) };
}
