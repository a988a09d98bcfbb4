import { parse as parseConnectionString } from 'pg-connection-string';
import { UsageError } from '../errors';
import { pgpassPassword } from './pgpass';
import { readTlsFiles, type TlsFiles, type TlsPaths } from './tls';

/** Where to connect, resolved from flag, then DATABASE_URL, then libpq's PG* variables. */
export interface ConnectionSettings {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  sslmode: SslMode;
  /** sslrootcert / sslcert / sslkey, read (see db/tls.ts). */
  tls?: TlsFiles;
  /** Where the settings came from, for messages. */
  source: 'flag' | 'DATABASE_URL' | 'PG*';
  /** A URL safe to print: the password is never part of it. */
  display: string;
  /** The pgpass file the password was read from, when it came from one (for the hint of a refusal). */
  passfile?: string;
}

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const URL_SHAPE = 'expected postgres://user[:password]@host[:port]/database[?sslmode=...]';

/** Replaces any password in a URL-ish string or free text, so errors can quote input safely. */
export function redactUrl(text: string): string {
  return text
    // user:password@ up to the last @ of the word: more than the password rather than less
    // when it holds an unencoded @ or /.
    .replace(/(postgres(?:ql)?:\/\/[^:/?#@\s]*):\S*@/gi, '$1:***@')
    // libpq also takes ?password=… as a parameter.
    .replace(/([?&]password=)[^&#\s]*/gi, '$1***');
}

/**
 * Flag, else DATABASE_URL, else PG* variables; the password from the URL or PGPASSWORD,
 * else from the pgpass file (PGPASSFILE or ~/.pgpass), as libpq looks it up.
 * `warn` hears what libpq would warn about (an unsafe pgpass file).
 */
export function resolveSettings(databaseUrl: string | undefined, env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = () => undefined): ConnectionSettings {
  const s = databaseUrl !== undefined && databaseUrl !== ''
    ? fromUrl(databaseUrl, 'flag', env)
    : env.DATABASE_URL ? fromUrl(env.DATABASE_URL, 'DATABASE_URL', env) : fromPgEnv(env);
  if (s.password) return s;
  const found = pgpassPassword(s, env, warn);
  return found ? { ...s, password: found.password, passfile: found.file } : { ...s, password: undefined };
}

function fromUrl(raw: string, source: 'flag' | 'DATABASE_URL', env: NodeJS.ProcessEnv): ConnectionSettings {
  const from = source === 'flag' ? '--database-url' : 'DATABASE_URL';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1];
  if (!/^postgres(ql)?:\/\//i.test(raw)) {
    throw new UsageError(scheme ? `invalid database URL: scheme "${scheme}" is not postgres:// or postgresql://` : `invalid database URL from ${from}: ${redactUrl(raw)}`, URL_SHAPE);
  }
  // libpq refuses a "%" not followed by two hex digits, and %00; pg-connection-string would
  // quietly keep such a "%" as it is. The token is not quoted: it may be part of the password.
  if (/%(?![0-9a-f]{2})|%00/i.test(raw)) {
    throw new UsageError(`invalid database URL from ${from}: bad %-encoding in ${redactUrl(raw)}`,
      'a "%" in a URL must start %XX with two hex digits: write a literal % as %25, @ as %40, : as %3A, / as %2F');
  }
  // The certificate parameters are read here (db/tls.ts), with libpq's defaults and this tool's messages.
  const { rest, paths, sslmode: urlSslMode } = takeTlsParams(raw);
  let parsed: ReturnType<typeof parseConnectionString>;
  try {
    // Spaces encoded first, so the library's own repair of unencoded input never runs;
    // libpq semantics for sslmode, and no deprecation warning on stderr.
    parsed = parseConnectionString(rest.replace(/ /g, '%20'), { useLibpqCompat: true });
  } catch (err) {
    // Its own words for what libpq would refuse too (verify-ca without sslrootcert, an unreadable sslrootcert).
    const reason = err instanceof TypeError ? '' : `: ${redactUrl(String((err as Error).message).replace(/^SECURITY WARNING: /, '').split(/(?<=\.)\s|\n/)[0])}`;
    throw new UsageError(`invalid database URL from ${from}: ${redactUrl(raw)}${reason}`, URL_SHAPE, { cause: err });
  }
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const errors: string[] = [];
  const portText = text(parsed.port);
  const port = portText ? Number(portText) : Number(env.PGPORT || 5432);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) errors.push(`port "${portText ?? env.PGPORT}" is not a port number`);
  const database = text(parsed.database) ?? text(parsed.dbname) ?? env.PGDATABASE ?? '';
  const user = text(parsed.user) ?? env.PGUSER ?? 'postgres';
  const host = text(parsed.host) ?? env.PGHOST ?? 'localhost';
  const password = text(parsed.password) ?? text(env.PGPASSWORD);
  const sslmode = parseSslMode(urlSslMode ?? env.PGSSLMODE, errors);
  if (!database) errors.push('no database name in the URL (…/DATABASE)');
  if (errors.length) throw new UsageError(`invalid database URL ${redactUrl(raw)}: ${errors.join('; ')}`);
  const tls = readTlsFiles(sslmode, { rootcert: paths.rootcert ?? text(env.PGSSLROOTCERT), cert: paths.cert ?? text(env.PGSSLCERT), key: paths.key ?? text(env.PGSSLKEY) }, env);
  return { host, port, user, password, database, sslmode, tls, source, display: displayUrl(user, host, port, database, sslmode) };
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
  const tls = readTlsFiles(sslmode, { rootcert: env.PGSSLROOTCERT || undefined, cert: env.PGSSLCERT || undefined, key: env.PGSSLKEY || undefined }, env);
  return { host, port, user, password: env.PGPASSWORD || undefined, database, sslmode, tls, source: 'PG*', display: displayUrl(user, host, port, database, sslmode) };
}

/** The URL without sslmode/sslrootcert/sslcert/sslkey, and their decoded values. */
function takeTlsParams(raw: string): { rest: string; paths: TlsPaths; sslmode?: string } {
  const paths: TlsPaths = {};
  let sslmode: string | undefined;
  const names: Record<string, keyof TlsPaths> = { sslrootcert: 'rootcert', sslcert: 'cert', sslkey: 'key' };
  const q = raw.search(/[?#]/);
  if (q < 0 || raw[q] === '#') return { rest: raw, paths };
  const [query, fragment] = raw.slice(q + 1).split(/#(.*)/s);
  const kept = query.split('&').filter((pair) => {
    const [name, value = ''] = pair.split(/=(.*)/s);
    if (name === 'sslmode') sslmode = decodeURIComponent(value);
    else if (name in names) paths[names[name]] = decodeURIComponent(value);
    else return true;
    return false;
  });
  const rest = `${raw.slice(0, q)}${kept.length ? `?${kept.join('&')}` : ''}${fragment !== undefined ? `#${fragment}` : ''}`;
  return { rest, paths, sslmode: sslmode || undefined };
}

function parseSslMode(value: string | null | undefined, errors: string[]): SslMode {
  if (!value) return 'prefer';
  if ((SSL_MODES as readonly string[]).includes(value)) return value as SslMode;
  errors.push(`sslmode "${value}" is not one of ${SSL_MODES.join(', ')}`);
  return 'prefer';
}

function displayUrl(user: string, host: string, port: number, database: string, sslmode: SslMode): string {
  const name = host.includes(':') ? `[${host}]` : host;
  const h = host.startsWith('/') ? `localhost/${encodeURIComponent(database)}?host=${encodeURIComponent(host)}` : `${name}:${port}/${encodeURIComponent(database)}`;
  const ssl = sslmode === 'prefer' ? '' : `${h.includes('?') ? '&' : '?'}sslmode=${sslmode}`;
  return `postgres://${encodeURIComponent(user)}@${h}${ssl}`;
}
