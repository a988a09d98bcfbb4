/**
 * Every wait of a connection, derived from one figure, --connection-timeout (T). The table in
 * docs/RELIABILITY.md is this file in words; change them together.
 */
export interface Bounds {
  /** T: connecting (TCP, TLS, start-up, authentication) gives up after this. */
  connectMs: number;
  /**
   * T: a round trip this old is looked into; the connection is ended when the server is not
   * working on it (idle, gone, or stuck writing to us), or does not answer the look within T.
   */
  silenceMs: number;
  /** How often round trips are looked at: four times per T, at most once a second. */
  tickMs: number;
  /** Client-side TCP keepalive: first probe after this much silence. */
  keepAliveSeconds: number;
  /**
   * Set on every runner session, so the server ends a session whose client vanished:
   * idle in a transaction for T; a running statement's client checked every T/5 (PG 14+);
   * an idle connection's peer probed by TCP after T, then 3 times, T/5 apart.
   */
  server: {
    idleInTransactionMs: number;
    clientCheckMs: number;
    keepalivesIdleS: number;
    keepalivesIntervalS: number;
    keepalivesCount: number;
  };
  /** After a loss: how long to keep trying to reach the server again to read what committed (2T, the last try included). */
  recoverMs: number;
}

export const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;

export function boundsFor(connectionTimeoutMs: number = DEFAULT_CONNECTION_TIMEOUT_MS): Bounds {
  const t = Math.max(1000, connectionTimeoutMs);
  const seconds = Math.ceil(t / 1000);
  return {
    connectMs: t,
    silenceMs: t,
    tickMs: Math.min(1000, Math.round(t / 4)),
    keepAliveSeconds: seconds,
    server: {
      idleInTransactionMs: t,
      clientCheckMs: Math.max(1000, Math.round(t / 5)),
      keepalivesIdleS: seconds,
      keepalivesIntervalS: Math.max(1, Math.round(seconds / 5)),
      keepalivesCount: 3,
    },
    recoverMs: 2 * t,
  };
}
