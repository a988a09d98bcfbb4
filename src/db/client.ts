import postgres from 'postgres';
import { ConnectionError } from '../errors';
import type { ConnectionSettings } from './settings';

export type Sql = postgres.Sql<Record<string, never>>;

export interface OpenOptions {
  applicationName: string;
  /** Called with server NOTICEs (e.g. RAISE NOTICE in a unit), so they reach the log. */
  onNotice?: (message: string) => void;
  connectTimeoutSeconds?: number;
}

const SSL: Record<ConnectionSettings['sslmode'], postgres.Options<{}>['ssl']> = {
  disable: false,
  allow: 'allow',
  prefer: 'prefer',
  require: 'require',
  // postgres.js has no CA-only mode; verify-full is the stricter superset.
  'verify-ca': 'verify-full',
  'verify-full': 'verify-full',
};

/** One connection (max 1) so session settings and statement order are predictable. */
export function openClient(settings: ConnectionSettings, options: OpenOptions): Sql {
  return postgres({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.database,
    ssl: SSL[settings.sslmode],
    max: 1,
    idle_timeout: 0,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    // Named statements: after the first unit, set_config and the history insert skip the describe round trip.
    prepare: true,
    onnotice: (n) => options.onNotice?.(String(n.message)),
    connection: { application_name: options.applicationName },
    // Types are read as text; the runner never needs parsed arrays/dates from the server.
    fetch_types: false,
  }) as unknown as Sql;
}

/** Opens and proves the connection, turning each way it can fail into one clear line. */
export async function connect(settings: ConnectionSettings, options: OpenOptions): Promise<Sql> {
  const sql = openClient(settings, options);
  try {
    await sql`select 1`;
    return sql;
  } catch (err) {
    await sql.end({ timeout: 0 }).catch(() => undefined);
    throw describeConnectionError(err, settings);
  }
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
    default:
      return new ConnectionError(`could not connect to ${s.display}: ${msg}`, undefined, { cause: err });
  }
}
