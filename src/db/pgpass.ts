import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';

/**
 * node-postgres's pgpass reader, by its line-level helpers: the file name (PGPASSFILE, else
 * ~/.pgpass), libpq's line format with `\:` and `\\` escapes, and its `*` wildcards. Its
 * top-level reader is not used because it reads process.env and warns on process.stderr,
 * where the CLI works from the environment and streams it was given.
 */
interface PgpassHelper {
  getFileName(env: NodeJS.ProcessEnv): string;
  parseLine(line: string): PgpassEntry | null;
  isValidEntry(entry: PgpassEntry): boolean;
  match(conn: PgpassTarget, entry: PgpassEntry): boolean;
}
interface PgpassEntry {
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
}
export interface PgpassTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

const helper = require('pgpass/lib/helper.js') as PgpassHelper;

/** libpq looks a socket connection up as "localhost" when the socket is in the default folder. */
const DEFAULT_SOCKET_DIRS = new Set(['/var/run/postgresql', '/run/postgresql', '/tmp']);

/**
 * The password the pgpass file holds for this connection, as libpq finds it: the first
 * matching line wins; a file that is not a plain file, or that group or others may read,
 * is ignored with libpq's warning. A missing file is no error.
 */
export function pgpassPassword(target: PgpassTarget, env: NodeJS.ProcessEnv, warn: (message: string) => void): { password: string; file: string } | undefined {
  const file = helper.getFileName({ ...env, HOME: env.HOME || homeDirectory() });
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) {
      warn(`password file "${file}" is not a plain file`);
      return undefined;
    }
    if (stat.mode & 0o077) {
      warn(`password file "${file}" has group or world access; permissions should be u=rw (0600) or less`);
      return undefined;
    }
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const host = DEFAULT_SOCKET_DIRS.has(target.host.replace(/\/+$/, '')) ? 'localhost' : target.host;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*#/.test(line)) continue;
    const entry = helper.parseLine(line);
    if (entry && helper.isValidEntry(entry) && helper.match({ ...target, host }, entry)) return { password: entry.password, file };
  }
  return undefined;
}

/** libpq: $HOME, else the home folder of the account. */
function homeDirectory(): string | undefined {
  try {
    return os.userInfo().homedir;
  } catch {
    return undefined;
  }
}

/** One pgpass line, with libpq's escapes for `:` and `\` in each field. */
export function pgpassLine(host: string, port: number | '*', database: string, user: string, password: string): string {
  return `${[host, String(port), database, user, password].map((f) => f.replace(/([:\\])/g, '\\$1')).join(':')}\n`;
}
