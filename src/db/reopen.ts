import { ConnectionError, ConnectionLostError } from '../errors';
import type { Logger } from '../log';
import type { Bounds } from './bounds';
import { Connection } from './connection';
import { Session, type Timeouts } from './session';
import type { ConnectionSettings } from './settings';
import { watch, type Watch } from './watchdog';

/** The lost sessions still on the server: pid and start time both match (a pid alone may be reused). */
const LEFT = `select a.pid from pg_stat_activity a join json_to_recordset($1::text::json) as l(pid int, start timestamptz)
                on a.pid = l.pid and a.backend_start = l.start`;
const END = `select pg_terminate_backend(pid) from (${LEFT}) left_over`;

/**
 * A new session after connections were lost, returned only once the server has no session
 * left of those: each is ended (pid and start time must both match, so a reused pid is never
 * touched) and waited for. From then on nothing of what the lost sessions were doing can still
 * commit, so the history read on the new session is the final word. Tries for bounds.recoverMs.
 */
export async function reopenAfterLoss(settings: ConnectionSettings, lost: Connection[], o: { bounds: Bounds; log: Logger; timeouts: Timeouts }): Promise<{ session: Session; watch: Watch }> {
  const deadline = Date.now() + o.bounds.recoverMs;
  const backends = JSON.stringify(lost.map((c) => c.backend));
  let last: unknown;
  while (Date.now() < deadline) {
    let c: Connection | undefined;
    let w: Watch | undefined;
    try {
      // The last try gets what is left of the time, not a whole connect timeout more.
      const connectMs = Math.max(1000, Math.min(o.bounds.connectMs, deadline - Date.now()));
      c = await Connection.open(settings, { label: 'migrate (after a lost connection)', bounds: { ...o.bounds, connectMs } });
      w = watch(c, { bounds: o.bounds, log: o.log });
      const session = await Session.open(c, o.log, o.timeouts, o.bounds);
      await session.query(END, [backends]);
      for (;;) {
        const left = await session.query<{ pid: number }>(LEFT, [backends]);
        if (left.length === 0) return { session, watch: w };
        if (Date.now() >= deadline) {
          throw new ConnectionLostError(`the server still runs the lost session (pid ${left.map((r) => r.pid).join(', ')}) and would not end it within ${o.bounds.recoverMs / 1000} s`,
            'see `migrate status` once it has ended: a unit is applied exactly when its history row is there');
        }
        await sleep(100);
      }
    } catch (err) {
      w?.stop();
      await c?.close();
      // Only the network is worth waiting for; anything else is an answer.
      if (!(err instanceof ConnectionError) && !c?.lost) throw err;
      last = err;
      o.log.info({ err: (err as Error).message }, 'the server cannot be reached yet to read what committed');
      await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
    }
  }
  throw new ConnectionLostError(`the server could not be reached again within ${o.bounds.recoverMs / 1000} s to read what committed`,
    'see `migrate status` once it answers: a unit is applied exactly when its history row is there (it is written in the unit\'s own transaction)', { cause: last });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
