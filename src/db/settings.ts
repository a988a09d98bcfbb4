import { UsageError } from '../errors';

/** Where to connect, resolved from flag, then DATABASE_URL, then libpq's PG* variables. */
export interface ConnectionSettings {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  sslmode: SslMode;
  /** Where the settings came from, for messages. */
  source: 'flag' | 'DATABASE_URL' | 'PG*';
  /** A URL safe to print: the password is never part of it. */
  display: string;
}

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** Replaces any password in a URL-ish string or free text, so errors can quote input safely. */
export function redactUrl(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/?#@\s]*):[^@\s]*@/gi, '$1:***@');
}

export function resolveSettings(databaseUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  if (databaseUrl !== undefined && databaseUrl !== '') return fromUrl(databaseUrl, 'flag', env);
  if (env.DATABASE_URL) return fromUrl(env.DATABASE_URL, 'DATABASE_URL', env);
  return fromPgEnv(env);
}

function fromUrl(raw: string, source: 'flag' | 'DATABASE_URL', env: NodeJS.ProcessEnv): ConnectionSettings {
  let url: URL;
  try {
    // libpq allows an empty host (postgres://user@/db?host=/socket/dir); WHATWG URL does not.
    url = new URL(raw.replace(/^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?)(?=[/?])/i, '$1localhost'));
  } catch {
    throw new UsageError(`invalid database URL from ${source === 'flag' ? '--database-url' : 'DATABASE_URL'}: ${redactUrl(raw)}`,
      'expected postgres://user[:password]@host[:port]/database[?sslmode=...]');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new UsageError(`invalid database URL: scheme "${url.protocol.replace(/:$/, '')}" is not postgres:// or postgresql://`,
      'expected postgres://user[:password]@host[:port]/database');
  }
  const errors: string[] = [];
  const port = url.port ? Number(url.port) : Number(env.PGPORT || 5432);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) errors.push(`port "${url.port}" is not a port number`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || env.PGDATABASE || '';
  const user = decodeURIComponent(url.username) || env.PGUSER || 'postgres';
  const host = url.searchParams.get('host') || decodeURIComponent(url.hostname) || env.PGHOST || 'localhost';
  const password = url.password ? decodeURIComponent(url.password) : env.PGPASSWORD || undefined;
  const sslmode = parseSslMode(url.searchParams.get('sslmode') ?? env.PGSSLMODE, errors);
  if (!database) errors.push('no database name in the URL (…/DATABASE)');
  if (errors.length) throw new UsageError(`invalid database URL ${redactUrl(raw)}: ${errors.join('; ')}`);
  return { host, port, user, password, database, sslmode, source, display: displayUrl(user, host, port, database, sslmode) };
}

function fromPgEnv(env: NodeJS.ProcessEnv): ConnectionSettings {
  const errors: string[] = [];
  const port = Number(env.PGPORT || 5432);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) errors.push(`PGPORT "${env.PGPORT}" is not a port number`);
  const user = env.PGUSER || env.USER || 'postgres';
  const database = env.PGDATABASE || user;
  const host = env.PGHOST || 'localhost';
  const sslmode = parseSslMode(env.PGSSLMODE, errors);
  if (!env.PGHOST && !env.PGDATABASE && !env.PGUSER && !env.PGPORT) {
    errors.push('no database given: pass --database-url, or set DATABASE_URL or PGHOST/PGDATABASE');
  }
  if (errors.length) throw new UsageError(errors.join('; '));
  return { host, port, user, password: env.PGPASSWORD || undefined, database, sslmode, source: 'PG*', display: displayUrl(user, host, port, database, sslmode) };
}

function parseSslMode(value: string | null | undefined, errors: string[]): SslMode {
  if (!value) return 'prefer';
  if ((SSL_MODES as readonly string[]).includes(value)) return value as SslMode;
  errors.push(`sslmode "${value}" is not one of ${SSL_MODES.join(', ')}`);
  return 'prefer';
}

function displayUrl(user: string, host: string, port: number, database: string, sslmode: SslMode): string {
  const h = host.startsWith('/') ? `localhost/${encodeURIComponent(database)}?host=${encodeURIComponent(host)}` : `${host}:${port}/${encodeURIComponent(database)}`;
  const ssl = sslmode === 'prefer' ? '' : `${h.includes('?') ? '&' : '?'}sslmode=${sslmode}`;
  return `postgres://${encodeURIComponent(user)}@${h}${ssl}`;
}
