import net from 'node:net';
import { ConnectionLostError } from '../errors';
import type { Bounds } from './bounds';
import { describeConnectionError, openClient, type Sql } from './client';
import type { ConnectionSettings } from './settings';

/** The server process behind a connection: a pid alone may be reused by a later backend. */
export interface Backend {
  pid: number;
  /** pg_stat_activity.backend_start, as text. */
  start: string;
}

/** Errors that mean the session is gone (or unusable), as opposed to a statement failing in it. */
const LOST_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);

export function isConnectionFailure(err: unknown): boolean {
  const e = err as { code?: string; severity?: string } | undefined;
  if (!e) return false;
  if (e instanceof ConnectionLostError) return true;
  return LOST_CODES.has(e.code ?? '') || e.severity === 'FATAL' || e.severity === 'PANIC' || (e.code ?? '').startsWith('08');
}

/**
 * One server session, never two. postgres.js opens a new session by itself when its
 * connection drops, and runs whatever was queued on it: a unit's statements would run there
 * outside the transaction they were sent in, without its timeouts. Here the socket is made
 * once and a second one is refused; when the connection goes, everything queued fails and
 * `lost` says why. It also counts its round trips in flight, for the watchdog.
 */
export class Connection {
  lost?: ConnectionLostError;
  private socket?: net.Socket;
  private closing = false;
  private inFlight = new Map<number, number>();
  private nextId = 0;
  private listeners: Array<(e: ConnectionLostError) => void> = [];
  readonly sql: Sql;
  backend: Backend = { pid: 0, start: '' };

  private constructor(readonly settings: ConnectionSettings, readonly label: string, bounds: Bounds, onNotice?: (m: string) => void) {
    this.sql = openClient(settings, {
      applicationName: label,
      onNotice,
      connectTimeoutSeconds: Math.ceil(bounds.connectMs / 1000),
      keepAliveSeconds: bounds.keepAliveSeconds,
      socket: () => this.makeSocket(bounds.connectMs),
      onclose: () => this.markLost(new ConnectionLostError(`the connection to the server closed (${this.label}, pid ${this.backend.pid})`)),
    });
  }

  /** Opens and proves the connection, turning each way it can fail into one clear line. */
  static async open(settings: ConnectionSettings, o: { label: string; bounds: Bounds; onNotice?: (m: string) => void }): Promise<Connection> {
    const c = new Connection(settings, o.label, o.bounds, o.onNotice);
    // postgres.js times the start-up only; the first answer after it is timed here. The
    // function behind pg_stat_activity, asked for this one backend: on a new session the view
    // (its rule, joins to pg_database and pg_authid) costs ~13 ms to plan cold, this ~4 ms.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      c.destroy(new ConnectionLostError(`timed out connecting to ${settings.host}:${settings.port}`));
    }, o.bounds.connectMs);
    try {
      const [row] = await c.sql<{ pid: number; start: string }[]>`select pg_backend_pid() as pid, (select backend_start::text from pg_stat_get_activity(pg_backend_pid())) as start`;
      c.backend = { pid: Number(row.pid), start: row.start };
      return c;
    } catch (err) {
      c.closing = true;
      await c.sql.end({ timeout: 0 }).catch(() => undefined);
      throw describeConnectionError(timedOut ? Object.assign(new Error('timed out'), { code: 'CONNECT_TIMEOUT' }) : err, settings);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls fn once, when the connection is lost (not when it is closed on purpose). */
  onLost(fn: (e: ConnectionLostError) => void): void {
    if (this.lost) fn(this.lost);
    else this.listeners.push(fn);
  }

  /** Counts a round trip until it settles; the watchdog looks at the oldest. */
  track<T>(p: Promise<T>): Promise<T> {
    const id = this.nextId++;
    this.inFlight.set(id, performance.now());
    const done = () => this.inFlight.delete(id);
    p.then(done, done);
    return p;
  }

  /** How long the oldest round trip in flight has waited, in ms (0: none). */
  oldestWaitMs(): number {
    let oldest = Infinity;
    for (const t of this.inFlight.values()) if (t < oldest) oldest = t;
    return oldest === Infinity ? 0 : performance.now() - oldest;
  }

  /** What a failed statement means here: the loss of the session, or the statement's own error. */
  failure(err: unknown): unknown {
    if (this.lost) return this.lost;
    if (!isConnectionFailure(err)) return err;
    const reason = (err as Error).message ?? String(err);
    this.destroy(new ConnectionLostError(`the connection to the server was lost (${this.label}, pid ${this.backend.pid}): ${reason}`, undefined, { cause: err }));
    return this.lost;
  }

  /** Ends the connection at once (no goodbye over a connection that may be dead); everything in flight fails with `reason`. */
  destroy(reason: ConnectionLostError): void {
    this.markLost(reason);
    this.socket?.destroy();
  }

  /**
   * Says goodbye (Terminate) and closes. `waitForServer`: until the server has closed its end
   * too, i.e. its session has ended, so that what it held (the run lock) is released when the
   * command returns. Without it, only the goodbye is sent: a command without the run lock
   * holds nothing by then, and the backend's exit (10-20 ms) is not waited for.
   */
  async close({ waitForServer = true }: { waitForServer?: boolean } = {}): Promise<void> {
    this.closing = true;
    await this.sql.end({ timeout: this.lost || !waitForServer ? 0 : 5 }).catch(() => undefined);
  }

  private markLost(reason: ConnectionLostError): void {
    if (this.closing || this.lost) return;
    this.lost = reason;
    // What is queued fails now instead of waiting for a session that never comes.
    void this.sql.end({ timeout: 0 }).catch(() => undefined);
    for (const fn of this.listeners.splice(0)) fn(reason);
  }

  /** The one socket of this connection; postgres.js asks again only to reconnect, which is refused. */
  private makeSocket(timeoutMs: number): Promise<net.Socket> {
    if (this.socket) {
      return Promise.reject(this.lost ?? new ConnectionLostError(`the connection to the server was lost (${this.label}); a session is never reopened`));
    }
    const s = this.settings;
    const socket = s.host.startsWith('/') ? net.connect(`${s.host}/.s.PGSQL.${s.port}`) : net.connect(s.port, s.host);
    // As libpq does: a pipelined message must not wait for the acknowledgement of the one before (Nagle).
    socket.setNoDelay(true);
    this.socket = socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`timed out connecting to ${s.host}:${s.port}`), { code: 'CONNECT_TIMEOUT' }));
      }, timeoutMs);
      const failed = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', failed);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', failed);
        resolve(socket);
      });
    });
  }
}
