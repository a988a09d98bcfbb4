import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { UsageError } from '../errors';
import type { SslMode } from './settings';

/** The certificate files libpq takes (sslrootcert, sslcert, sslkey), read once: contents, never printed. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  /** Where the CA came from, for messages. */
  caFile?: string;
}

export interface TlsPaths {
  rootcert?: string;
  cert?: string;
  key?: string;
}

/**
 * Reads the files named by the URL or PGSSLROOTCERT/PGSSLCERT/PGSSLKEY. As libpq does, a
 * verify-ca/verify-full connection without sslrootcert looks for ~/.postgresql/root.crt,
 * and a client certificate for ~/.postgresql/postgresql.crt and .key (used when present).
 */
export function readTlsFiles(mode: SslMode, given: TlsPaths, env: NodeJS.ProcessEnv): TlsFiles | undefined {
  if (mode === 'disable') return undefined;
  const home = path.join(env.HOME || os.homedir(), '.postgresql');
  const defaults = { rootcert: path.join(home, 'root.crt'), cert: path.join(home, 'postgresql.crt'), key: path.join(home, 'postgresql.key') };
  const rootcert = given.rootcert ?? (mode.startsWith('verify-') ? defaults.rootcert : undefined);
  const out: TlsFiles = {};
  // sslrootcert=system: the platform's trusted CAs (libpq 16), which is Node's default.
  if (rootcert && rootcert !== 'system') {
    out.ca = read(rootcert, 'sslrootcert', given.rootcert === undefined);
    if (out.ca) out.caFile = rootcert;
  }
  const certFile = given.cert ?? (existsSync(defaults.cert) ? defaults.cert : undefined);
  const keyFile = given.key ?? (certFile === defaults.cert && existsSync(defaults.key) ? defaults.key : undefined);
  if (certFile) out.cert = read(certFile, 'sslcert');
  if (keyFile) out.key = read(keyFile, 'sslkey');
  if (out.cert && !out.key) throw new UsageError(`sslcert ${certFile} has no sslkey`, 'give the client key with sslkey=FILE (or PGSSLKEY)');
  if (mode === 'verify-ca' && !out.ca) {
    throw new UsageError(`sslmode=verify-ca needs the CA that signed the server's certificate, and ${rootcert} does not exist`, 'give it with sslrootcert=FILE (or PGSSLROOTCERT)');
  }
  return out.ca || out.cert ? out : undefined;
}

/**
 * postgres.js's `ssl` for a mode and files, as libpq reads sslmode: verify-ca checks the
 * chain but not the host name; require with a CA behaves as verify-ca; verify-full checks both.
 */
export function tlsOption(mode: SslMode, files: TlsFiles | undefined): boolean | 'allow' | 'prefer' | 'require' | 'verify-full' | ConnectionOptions {
  if (mode === 'disable') return false;
  const material = { ...(files?.ca && { ca: files.ca }), ...(files?.cert && { cert: files.cert, key: files.key }) };
  const skipHostName = { checkServerIdentity: () => undefined };
  switch (mode) {
    case 'allow':
    case 'prefer':
      // postgres.js's fallback to plain text takes no options: the files apply from require up.
      return mode;
    case 'require':
      if (files?.ca) return { ...material, rejectUnauthorized: true, ...skipHostName };
      return files?.cert ? { ...material, rejectUnauthorized: false } : 'require';
    case 'verify-ca':
      return { ...material, rejectUnauthorized: true, ...skipHostName };
    case 'verify-full':
      return files ? { ...material, rejectUnauthorized: true } : 'verify-full';
  }
}

/** A named file's contents; `optional` for a default location that may simply not be there. */
function read(file: string, param: string, optional = false): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (optional && code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${param} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`,
      `check the path given as ${param}= in the URL or PG${param.toUpperCase()}`);
  }
}
