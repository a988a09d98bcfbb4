import postgres from 'postgres';
import { ConnectionError } from '../errors';
import type { ConnectionSettings } from './settings';
import { tlsOption } from './tls';

export type Sql = postgres.Sql<Record<string, never>>;

export interface OpenOptions {
  applicationName: string;
  /** Called with server NOTICEs (e.g. RAISE NOTICE in a unit), so they reach the log. */
  onNotice?: (message: string) => void;
  connectTimeoutSeconds?: number;
  /** Makes the one socket of a Connection (db/connection.ts), and refuses a second. */
  socket?: () => Promise<import('node:net').Socket>;
  /** Called when the connection closes, before postgres.js would open another for what is queued. */
  onclose?: () => void;
  keepAliveSeconds?: number;
}

/** One connection (max 1) so session settings and statement order are predictable. */
export function openClient(settings: ConnectionSettings, options: OpenOptions): Sql {
  return postgres({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.database,
    ssl: tlsOption(settings.sslmode, settings.tls) as postgres.Options<{}>['ssl'],
    max: 1,
    idle_timeout: 0,
    // Never rotated: a session lives as long as the run (the lock session holds the run lock).
    max_lifetime: 0,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    keep_alive: options.keepAliveSeconds ?? 60,
    onclose: options.onclose,
    // postgres.js takes a socket factory (its `socket` option), which its typings leave out.
    ...({ socket: options.socket } as object),
    // Named statements: after the first unit, set_config and the history insert skip the describe round trip.
    prepare: true,
    onnotice: (n) => options.onNotice?.(String(n.message)),
    connection: { application_name: options.applicationName },
    // Types are read as text; the runner never needs parsed arrays/dates from the server.
    fetch_types: false,
  }) as unknown as Sql;
}

export function describeConnectionError(err: unknown, s: ConnectionSettings): ConnectionError {
  const e = err as { code?: string; message?: string };
  const where = s.host.startsWith('/') ? `socket ${s.host}` : `${s.host}:${s.port}`;
  const scrub = (m: string) => (s.password ? m.split(s.password).join('***') : m);
  const msg = scrub(String(e?.message ?? err));
  switch (e?.code) {
    case 'ECONNREFUSED':
      return new ConnectionError(`connection refused by ${where}`, 'is PostgreSQL running there, and is the port right?', { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionError(`host "${s.host}" not found`, 'check the host name in the database URL', { cause: err });
    case 'CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return new ConnectionError(`timed out connecting to ${where}`, 'check network access and the port', { cause: err });
    case '28P01':
      return new ConnectionError(`password authentication failed for user "${s.user}" at ${where}`,
        s.passfile ? `the password came from ${s.passfile}: check its line for this host, port, database and user` : 'check the password (the URL, PGPASSWORD, or PGPASSFILE / ~/.pgpass)', { cause: err });
    case '28000':
      return new ConnectionError(`the server refused user "${s.user}": ${msg}`, 'check pg_hba.conf and the user name', { cause: err });
    case '3D000':
      return new ConnectionError(`database "${s.database}" does not exist on ${where}`, 'check the database name, or create it first', { cause: err });
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new ConnectionError(`the certificate of ${where} is not trusted (sslmode=${s.sslmode}): ${msg}`,
        e.code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'the certificate does not name this host: connect by a name it holds, or use sslmode=verify-ca'
          : s.tls?.caFile ? `it is not signed by the CA in ${s.tls.caFile}` : 'give the CA that signed it with sslrootcert=FILE (or PGSSLROOTCERT)', { cause: err });
    default:
      if (/before secure TLS connection/.test(msg)) {
        return new ConnectionError(`${where} did not complete SSL (sslmode=${s.sslmode}): ${msg}`, 'the server may not have ssl = on; use sslmode=prefer or disable where plain connections are acceptable', { cause: err });
      }
      return new ConnectionError(`could not connect to ${s.display}: ${msg}`, undefined, { cause: err });
  }
}
